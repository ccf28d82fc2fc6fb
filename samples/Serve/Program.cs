using Serve;

// dotnet run --project samples/Serve -c Release -- --weights mnist128.safetensors [--urls http://127.0.0.1:5000]
// dotnet run --project samples/Serve -c Release -- --weights mnist128.safetensors --load-test [--data Models/Data] [--requests 1000] [--clients 8]
// A usage error prints one 'error:' line and exits with 2; a file or network failure with 1.
string? weights = null, data = null;
string urls = "http://127.0.0.1:5000";
bool loadTest = false;
int requests = 1000, clients = 8;
for (int i = 0; i < args.Length; i++)
{
    string option = args[i];
    if (option == "--load-test")
    {
        loadTest = true;
        continue;
    }

    if (option is not ("--weights" or "--urls" or "--data" or "--requests" or "--clients"))
    {
        return Usage($"unknown option '{option}' (options: --weights PATH, --urls URLS, --load-test, --data DIR, --requests N, --clients N)");
    }

    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
    {
        return Usage($"{option} needs a value");
    }

    string value = args[++i];
    switch (option)
    {
        case "--weights": weights = value; break;
        case "--urls": urls = value; break;
        case "--data": data = value; break;
        case "--requests":
            if (!TryPositive(value, out requests))
            {
                return Usage($"--requests is '{value}'; expected a whole number of at least 1");
            }

            break;
        case "--clients":
            if (!TryPositive(value, out clients))
            {
                return Usage($"--clients is '{value}'; expected a whole number of at least 1");
            }

            break;
    }
}

if (weights is null)
{
    return Usage("--weights PATH is required (make one with: dotnet run --project Models -c Release -- --epochs 1 --save-weights mnist128.safetensors)");
}

DigitClassifier classifier;
try
{
    classifier = new DigitClassifier(weights);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: cannot load weights: {e.Message}");
    return 1;
}

if (loadTest)
{
    try
    {
        return await LoadTest.RunAsync(classifier, data ?? Path.Combine("Models", "Data"), requests, clients);
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: the load test cannot read its digits: {e.Message}");
        return 1;
    }
}

WebApplication app = ServeApp.Build(classifier, urls);
try
{
    // Started before the banner: a port in use (or a malformed URL) is an error line, not a banner then a crash.
    await app.StartAsync();
}
catch (Exception e) when (e is IOException or FormatException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: cannot listen on {urls}: {e.Message}");
    return 1;
}

Console.WriteLine($"serving {weights} on {string.Join(", ", app.Urls)}: POST /predict with a 28x28 PGM ({PredictRequest.PgmType}) or 784 floats (application/json)");
await app.WaitForShutdownAsync();
return 0;

static int Usage(string message)
{
    Console.Error.WriteLine($"error: {message}");
    return 2;
}

static bool TryPositive(string text, out int value)
    => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value) && value >= 1;
