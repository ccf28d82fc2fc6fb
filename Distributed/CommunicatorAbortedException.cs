using System;

namespace StaticGrad.Distributed;

/// <summary>A collective could not complete because another rank aborted the job or failed.</summary>
public sealed class CommunicatorAbortedException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened, naming the rank when known.</param>
    public CommunicatorAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened, naming the rank when known.</param>
    /// <param name="innerException">The cause.</param>
    public CommunicatorAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
