using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StaticGrad.Data;

namespace Serve;

/// <summary>
/// Starts the server on a free loopback port and drives it with a real HTTP client: every answer of many requests
/// from concurrent clients (PGM P5, PGM P2 and JSON bodies in turn) must equal a serial <c>Predict</c> of the same
/// image bit for bit, and every malformed body must get its status code and a message. Prints p50/p99 latency and
/// requests per second; the exit code is 0 only if everything held.
/// </summary>
public static class LoadTest
{
    /// <summary>Runs the load test.</summary>
    /// <param name="classifier">The loaded model, shared by the server and the serial reference.</param>
    /// <param name="dataDirectory">The MNIST IDX files (the repository's <c>Models/Data</c>).</param>
    /// <param name="requests">Requests to send.</param>
    /// <param name="clients">Concurrent clients.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(DigitClassifier classifier, string dataDirectory, int requests, int clients)
    {
        (_, MnistDataset test) = MnistDataset.LoadDirectory(dataDirectory);
        int images = Math.Min(test.Count, requests);
        var bodies = new (string ContentType, byte[] Body)[images];
        var expected = new Prediction[images];
        for (int i = 0; i < images; i++)
        {
            ReadOnlySpan<float> pixels = test.Images.Slice(i * DigitClassifier.Pixels, DigitClassifier.Pixels);
            bodies[i] = (i % 3) switch
            {
                0 => (PredictRequest.PgmType, BinaryPgm(pixels)),
                1 => (PredictRequest.PgmType, PlainPgm(pixels)),
                _ => ("application/json", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(pixels.ToArray(), SampleJsonContext.Default.SingleArray))),
            };
            expected[i] = classifier.Predict(pixels);
        }

        await using WebApplication app = ServeApp.Build(classifier, "http://127.0.0.1:0");
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = address };

        // Warm-up (JIT, connections), not measured.
        for (int i = 0; i < 2 * clients; i++)
        {
            await PostAsync(client, bodies[i % images]);
        }

        long[] latencies = new long[requests];
        int next = -1, mismatches = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            for (int n = Interlocked.Increment(ref next); n < requests; n = Interlocked.Increment(ref next))
            {
                long begin = Stopwatch.GetTimestamp();
                (HttpStatusCode status, string text) = await PostAsync(client, bodies[n % images]);
                latencies[n] = Stopwatch.GetTimestamp() - begin;
                Prediction? answer = status == HttpStatusCode.OK ? JsonSerializer.Deserialize(text, ServeJsonContext.Default.Prediction) : null;
                Prediction reference = expected[n % images];
                if (answer is null || answer.Digit != reference.Digit || !answer.Probabilities.AsSpan().SequenceEqual(reference.Probabilities))
                {
                    Interlocked.Increment(ref mismatches);
                    failures.Enqueue($"request {n} (image {n % images}, {bodies[n % images].ContentType}): {(int)status} {text}");
                }
            }
        })));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        Array.Sort(latencies);
        double Milliseconds(double quantile) => latencies[(int)Math.Round(quantile * (latencies.Length - 1))] * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load test: {requests} requests from {clients} concurrent clients over loopback ({address}), PGM P5, PGM P2 and JSON bodies in turn, {Environment.ProcessorCount} cores"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  latency p50 {Milliseconds(0.50):F2} ms, p99 {Milliseconds(0.99):F2} ms, max {Milliseconds(1.0):F2} ms; {requests / seconds:F0} requests/s ({seconds:F2} s)"));
        Console.WriteLine($"  answers equal to a serial Predict, bit for bit: {requests - mismatches} of {requests}");
        foreach (string failure in failures.Take(5))
        {
            Console.WriteLine($"  MISMATCH {failure}");
        }

        int malformedFailures = await CheckMalformedAsync(client, test.Images[..DigitClassifier.Pixels].ToArray());
        await app.StopAsync();
        return mismatches == 0 && malformedFailures == 0 ? 0 : 1;
    }

    private static async Task<(HttpStatusCode Status, string Text)> PostAsync(HttpClient client, (string ContentType, byte[] Body) request)
    {
        using var content = new ByteArrayContent(request.Body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        using HttpResponseMessage response = await client.PostAsync("/predict", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Each malformed request and the status and message fragment it must get; returns the number that did not.</summary>
    private static async Task<int> CheckMalformedAsync(HttpClient client, float[] pixels)
    {
        string Json(IEnumerable<string> values) => "[" + string.Join(",", values) + "]";
        string[] numbers = pixels.Select(p => p.ToString("R", CultureInfo.InvariantCulture)).ToArray();
        byte[] p5 = BinaryPgm(pixels);
        (string Name, string ContentType, byte[] Body, HttpStatusCode Status, string Message)[] cases =
        [
            ("JSON of 783 pixels", "application/json", Encoding.UTF8.GetBytes(Json(numbers[..783])), HttpStatusCode.BadRequest, "holds 783 pixels"),
            ("JSON of 785 pixels", "application/json", Encoding.UTF8.GetBytes(Json([.. numbers, "0"])), HttpStatusCode.BadRequest, "more than 784 pixels"),
            ("JSON with a \"NaN\" pixel", "application/json", Encoding.UTF8.GetBytes(Json(["\"NaN\"", .. numbers[1..]])), HttpStatusCode.BadRequest, "Pixel 0 is the string \"NaN\""),
            ("JSON with a NaN literal", "application/json", Encoding.UTF8.GetBytes(Json(["NaN", .. numbers[1..]])), HttpStatusCode.BadRequest, "not valid JSON"),
            ("JSON with a pixel of 255", "application/json", Encoding.UTF8.GetBytes(Json(["255", .. numbers[1..]])), HttpStatusCode.BadRequest, "Pixel 0 is 255; pixels are finite values in [0, 1]"),
            ("JSON with an overflowing pixel", "application/json", Encoding.UTF8.GetBytes(Json(["1e39", .. numbers[1..]])), HttpStatusCode.BadRequest, "Pixel 0 is 1e39"),
            ("truncated JSON", "application/json", Encoding.UTF8.GetBytes(Json(numbers)[..100]), HttpStatusCode.BadRequest, "not valid JSON"),
            ("a JSON object", "application/json", Encoding.UTF8.GetBytes("{\"pixels\": []}"), HttpStatusCode.BadRequest, "must be an array of 784 numbers"),
            ("a PGM with a bad header", PredictRequest.PgmType, [.. "P7\n28 28\n255\n"u8, .. p5[13..]], HttpStatusCode.BadRequest, "not a grayscale PGM image"),
            ("a PGM of 27x28", PredictRequest.PgmType, [.. "P5\n27 28\n255\n"u8, .. p5[13..^28]], HttpStatusCode.BadRequest, "The image is 27x28"),
            ("a truncated PGM raster", PredictRequest.PgmType, p5[..400], HttpStatusCode.BadRequest, "truncated raster"),
            ("an empty body", "application/json", [], HttpStatusCode.BadRequest, "The body is empty"),
            ("a text/plain body", "text/plain", Encoding.UTF8.GetBytes(Json(numbers)), HttpStatusCode.UnsupportedMediaType, "Content-Type 'text/plain' is not supported"),
            ("a 100 KB body", "application/json", new byte[100_000], HttpStatusCode.RequestEntityTooLarge, "larger than 65536 bytes"),
        ];
        int failed = 0;
        Console.WriteLine("  malformed requests:");
        foreach ((string name, string contentType, byte[] body, HttpStatusCode status, string message) in cases)
        {
            (HttpStatusCode actual, string text) = await PostAsync(client, (contentType, body));
            string error = actual == HttpStatusCode.OK ? string.Empty : JsonSerializer.Deserialize(text, ServeJsonContext.Default.ErrorBody)?.Error ?? string.Empty;
            bool ok = actual == status && error.Contains(message, StringComparison.Ordinal);
            failed += ok ? 0 : 1;
            Console.WriteLine($"    {(ok ? "ok  " : "FAIL")} {name}: {(int)actual} {error}");
        }

        return failed;
    }

    /// <summary>The pixel's byte: the dataset stores byte / 255f, which this inverts exactly.</summary>
    private static byte ToByte(float pixel)
    {
        byte value = (byte)MathF.Round(pixel * 255f);
        return value / 255f == pixel ? value : throw new InvalidDataException($"pixel {pixel} is not a byte / 255");
    }

    private static byte[] BinaryPgm(ReadOnlySpan<float> pixels)
    {
        byte[] header = "P5\n28 28\n255\n"u8.ToArray();
        byte[] file = new byte[header.Length + pixels.Length];
        header.CopyTo(file, 0);
        for (int i = 0; i < pixels.Length; i++)
        {
            file[header.Length + i] = ToByte(pixels[i]);
        }

        return file;
    }

    private static byte[] PlainPgm(ReadOnlySpan<float> pixels)
    {
        var text = new StringBuilder("P2\n# a test digit\n28 28\n255\n");
        for (int row = 0; row < 28; row++)
        {
            for (int column = 0; column < 28; column++)
            {
                text.Append(ToByte(pixels[(row * 28) + column]).ToString(CultureInfo.InvariantCulture)).Append(column == 27 ? '\n' : ' ');
            }
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
