using Serve;

// dotnet run --project samples/Serve -c Release -- --weights mnist128.safetensors [--urls http://127.0.0.1:5000]
// dotnet run --project samples/Serve -c Release -- --weights mnist128.safetensors --load-test [--data Models/Data] [--requests 1000] [--clients 8]
string? weights = null, data = null;
string urls = "http://127.0.0.1:5000";
bool loadTest = false;
int requests = 1000, clients = 8;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--weights": weights = Next(); break;
        case "--urls": urls = Next(); break;
        case "--load-test": loadTest = true; break;
        case "--data": data = Next(); break;
        case "--requests": requests = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--clients": clients = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"error: unknown option '{args[i]}'");
            return 2;
    }
}

if (weights is null)
{
    Console.Error.WriteLine("error: --weights PATH is required (make one with: dotnet run --project Models -c Release -- --epochs 1 --save-weights mnist128.safetensors)");
    return 2;
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

if (!loadTest)
{
    WebApplication app = ServeApp.Build(classifier, urls);
    Console.WriteLine($"serving {weights} on {urls}: POST /predict with a 28x28 PGM ({PredictRequest.PgmType}) or 784 floats (application/json)");
    await app.RunAsync();
    return 0;
}

return await LoadTest.RunAsync(classifier, data ?? Path.Combine("Models", "Data"), requests, clients);
