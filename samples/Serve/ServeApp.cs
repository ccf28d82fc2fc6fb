namespace Serve;

/// <summary>The minimal API: one model for every request, <c>POST /predict</c> and <c>GET /health</c>.</summary>
public static class ServeApp
{
    /// <summary>Builds the app (not started) around <paramref name="classifier"/>.</summary>
    /// <param name="classifier">The loaded model.</param>
    /// <param name="urls">Where to listen, e.g. <c>http://127.0.0.1:5000</c> (port 0 for any free port).</param>
    /// <returns>The app.</returns>
    public static WebApplication Build(DigitClassifier classifier, string urls)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // A host that cannot start (a port in use) throws from StartAsync, and Program says so in one line.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ServeJsonContext.Default));
        WebApplication app = builder.Build();

        app.MapGet("/health", () => Results.Text($"ok: {classifier.WeightsPath}"));
        app.MapPost("/predict", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            PredictRequest.Result read = await PredictRequest.ReadAsync(request, cancellationToken);
            return read.Pixels is { } pixels
                ? Results.Json(classifier.Predict(pixels), ServeJsonContext.Default.Prediction)
                : Results.Json(new ErrorBody(read.Error!), ServeJsonContext.Default.ErrorBody, statusCode: read.Status);
        });
        return app;
    }
}
