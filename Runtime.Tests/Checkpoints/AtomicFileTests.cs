using System;
using System.IO;
using StaticGrad.Checkpoints;
using StaticGrad.Models;
using Xunit;

namespace StaticGrad.Runtime.Tests.Checkpoints;

public sealed class AtomicFileTests : IDisposable
{
    private readonly SafeTensorsFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Write_ReplacesTheFile_AndLeavesNoTemporary()
    {
        string path = _files.PathOf("data.bin");
        File.WriteAllText(path, "old");

        AtomicFile.Write(path, stream => stream.Write("new content"u8));

        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_files.Directory));
    }

    [Fact]
    public void ACheckpointWriteThatFailsMidway_LeavesThePreviousCheckpointIntact()
    {
        // Epoch 1's checkpoint is on disk; writing epoch 2's fails after 100 KB (a full disk, an I/O error).
        string path = _files.PathOf("run.safetensors");
        (MnistClassifier128 model, Adam adam) = TrainingCheckpointTests.TrainedPair(seed: 1);
        TrainingCheckpointTests.Capture(model, adam).Save(path);
        byte[] previous = File.ReadAllBytes(path);
        (MnistClassifier128 model2, Adam adam2) = TrainingCheckpointTests.TrainedPair(seed: 2);
        TrainingCheckpoint next = TrainingCheckpointTests.Capture(model2, adam2);

        IOException e = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream => next.WriteTo(new FailingStream(stream, failAfter: 100_000))));

        Assert.Contains("injected", e.Message);
        Assert.StartsWith($"Cannot write '{Path.GetFullPath(path)}' (through a temporary file beside it", e.Message, StringComparison.Ordinal); // not the temporary's name alone
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_files.Directory)); // the temporary file is gone
        TrainingCheckpoint survivor = TrainingCheckpoint.Load(path);
        var restored = new MnistClassifier128(seed: 7);
        survivor.Restore(restored.Parameters, survivor.Optimizer.CreateOptimizer(restored.Parameters));
        Assert.Equal(ModelWeightsTests.Bits(model.Parameters), ModelWeightsTests.Bits(restored.Parameters));
    }

    [Fact]
    public void AnExceptionInTheWriter_LeavesThePreviousFileIntact()
    {
        string path = _files.PathOf("w.safetensors");
        var model = new MnistClassifier128(seed: 1);
        ModelWeights.Save(model.Parameters, path);
        byte[] previous = File.ReadAllBytes(path);

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            ModelWeights.Save(new MnistClassifier128(seed: 2).Parameters, stream);
            throw new InvalidOperationException("crash after writing everything, before the rename");
        }));

        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_files.Directory));
    }

    [Fact]
    public void ALeftoverTemporaryFile_FromAKilledProcess_DoesNotDisturbLoading()
    {
        string path = _files.PathOf("w.safetensors");
        var model = new MnistClassifier128(seed: 1);
        ModelWeights.Save(model.Parameters, path);
        File.WriteAllBytes(_files.PathOf(".w.safetensors.0123456789abcdef.tmp"), new byte[1000]);

        var loaded = new MnistClassifier128(seed: 2);
        ModelWeights.Load(loaded.Parameters, path);

        Assert.Equal(ModelWeightsTests.Bits(model.Parameters), ModelWeightsTests.Bits(loaded.Parameters));
    }

    [Fact]
    public void MissingFolder_Throws_AndDirectoryTarget_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.Write(Path.Combine(_files.Directory, "no", "f.bin"), _ => { }));
        Assert.False(SpecialFile.Is(_files.PathOf("missing")));
        Directory.CreateDirectory(_files.PathOf("dir"));
        Assert.Throws<IOException>(() => AtomicFile.Write(_files.PathOf("dir"), _ => { }));
    }

    [Fact]
    public void ASymbolicLink_IsFollowed_AndStaysALink()
    {
        string target = _files.PathOf("run-7.safetensors"), link = _files.PathOf("latest.safetensors");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);

        AtomicFile.Write(link, stream => stream.Write("new"u8));

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(2, Directory.GetFileSystemEntries(_files.Directory).Length);
    }

    [Fact]
    public void AReplacedFile_KeepsItsPermissions()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = _files.PathOf("private.safetensors");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        AtomicFile.Write(path, stream => stream.Write("new"u8));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    /// <summary>A FIFO (as a device such as /dev/null) is written in place, as torch.save does, not replaced by a regular file.</summary>
    [Fact]
    public async System.Threading.Tasks.Task AFifo_IsWrittenInPlace_NotReplaced()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(SpecialFile.Is("/dev/null"));
        string fifo = _files.PathOf("pipe");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        Assert.True(SpecialFile.Is(fifo));
        Assert.False(SpecialFile.Is(_files.Directory));
        System.Threading.Tasks.Task<string> reader = System.Threading.Tasks.Task.Run(() => File.ReadAllText(fifo));

        AtomicFile.Write(fifo, stream => stream.Write("through the pipe"u8));

        Assert.Equal("through the pipe", await reader.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(SpecialFile.Is(fifo), "the FIFO was replaced by a regular file");
        Assert.Single(Directory.GetFileSystemEntries(_files.Directory));
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then throws like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = failAfter - _written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                _written = failAfter;
                throw new IOException("No space left on device (injected failure)");
            }

            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
