using System.Text.Json;
using StaticGrad.Data;

namespace Serve;

/// <summary>
/// Reads the image of a <c>POST /predict</c>: a 28 x 28 PGM (<c>image/x-portable-graymap</c>, binary P5 or plain P2)
/// or 784 floats in [0, 1] as a JSON array (<c>application/json</c>). Every problem is a message for the client.
/// </summary>
public static class PredictRequest
{
    /// <summary>The PGM media type.</summary>
    public const string PgmType = "image/x-portable-graymap";

    /// <summary>The largest body read, in bytes: a plain P2 image with comments or 784 JSON floats fit easily.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>What a request turned out to be: the pixels, or a status code and a message.</summary>
    /// <param name="Pixels">784 values in [0, 1], or null on an error.</param>
    /// <param name="Status">200, or the error's status code.</param>
    /// <param name="Error">The error message, or null.</param>
    public readonly record struct Result(float[]? Pixels, int Status, string? Error)
    {
        public static Result Fail(int status, string error) => new(null, status, error);
    }

    /// <summary>Reads and checks the body of <paramref name="request"/>.</summary>
    /// <param name="request">The HTTP request.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    /// <returns>The pixels, or why there are none.</returns>
    public static async Task<Result> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        string? mediaType = request.ContentType is { } contentType && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed.MediaType.Value
            : null;
        bool json = string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase);
        bool pgm = string.Equals(mediaType, PgmType, StringComparison.OrdinalIgnoreCase);
        if (!json && !pgm)
        {
            return Result.Fail(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{request.ContentType ?? "(none)"}' is not supported: send a 28x28 PGM as {PgmType} or 784 floats in [0, 1] as application/json.");
        }

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(request.Body, cancellationToken);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits, met before ours: a declared length over its 30 MB cap (413) or a body that arrives
            // too slowly (408). Answered like every other bad body, not as an unhandled exception with an empty reply.
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Result.Fail(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBodyBytes} bytes; one 28x28 image is far smaller.")
                : Result.Fail(e.StatusCode, $"The body could not be read: {e.Message}");
        }

        if (body is null)
        {
            return Result.Fail(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBodyBytes} bytes; one 28x28 image is far smaller.");
        }

        if (body.Length == 0)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, "The body is empty: send one 28x28 image.");
        }

        return json ? FromJson(body) : FromPgm(body);
    }

    /// <summary>The whole body, or null when it is longer than <see cref="MaxBodyBytes"/> (read no further than one byte past it).</summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            int length = 0;
            int read;
            while (length <= MaxBodyBytes && (read = await body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
            {
                length += read;
            }

            return length > MaxBodyBytes ? null : buffer[..length];
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Result FromPgm(byte[] body)
    {
        PgmImage image;
        try
        {
            image = PgmReader.Parse(body, "the PGM body");
        }
        catch (InvalidDataException e)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, e.Message);
        }

        if (image.Width != 28 || image.Height != 28)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, $"The image is {image.Width}x{image.Height}; the model reads 28x28 digits (resize it first, white digit on black as in MNIST).");
        }

        return new Result(image.Pixels.ToArray(), StatusCodes.Status200OK, null);
    }

    private static Result FromJson(byte[] body)
    {
        float[] pixels = new float[DigitClassifier.Pixels];
        int count = 0;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return Result.Fail(StatusCodes.Status400BadRequest, "The JSON body must be an array of 784 numbers (the pixels, row-major, in [0, 1]).");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number)
                {
                    return Result.Fail(StatusCodes.Status400BadRequest, $"Pixel {count} is {Describe(ref reader)}, not a number.");
                }

                if (count == pixels.Length)
                {
                    return Result.Fail(StatusCodes.Status400BadRequest, $"The array holds more than {pixels.Length} pixels; a 28x28 image has {pixels.Length}.");
                }

                if (!reader.TryGetSingle(out float value) || !float.IsFinite(value) || value < 0f || value > 1f)
                {
                    return Result.Fail(StatusCodes.Status400BadRequest, $"Pixel {count} is {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}; pixels are finite values in [0, 1] (byte / 255).");
                }

                pixels[count++] = value;
            }

            if (reader.Read())
            {
                return Result.Fail(StatusCodes.Status400BadRequest, "The JSON body holds something after the array.");
            }
        }
        catch (JsonException e)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, $"The body is not valid JSON: {e.Message}");
        }

        if (count != pixels.Length)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, $"The array holds {count} pixels; a 28x28 image has {pixels.Length}.");
        }

        return new Result(pixels, StatusCodes.Status200OK, null);
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{reader.GetString()}\"",
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => reader.TokenType.ToString(),
    };
}
