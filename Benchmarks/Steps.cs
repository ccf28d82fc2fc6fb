using StaticGrad.Kernels;

namespace StaticGrad.Benchmarks;

/// <summary>Our side of the comparison: whole training steps (forward, fused loss, backward, optimizer step), single-sample prediction and batch inference.</summary>
public static class Steps
{
    /// <summary>784-128-10, Adam lr 1e-3.</summary>
    public static (double, double) TimeSeed128Adam(int batch, int repeats)
    {
        var step = new Seed128AdamStep(batch);
        return Timing.Measure(ref step, repeats);
    }

    /// <summary>784-256-10, SGD lr 0.1 momentum 0.9.</summary>
    public static (double, double) TimeMlp256Sgd(int batch, int repeats)
    {
        var step = new Mlp256SgdStep(batch);
        return Timing.Measure(ref step, repeats);
    }

    /// <summary>784-1024-10, Adam lr 1e-3.</summary>
    public static (double, double) TimeMlp1024Adam(int batch, int repeats)
    {
        var step = new Mlp1024AdamStep(batch);
        return Timing.Measure(ref step, repeats, runSeconds: 0.5, warmupSeconds: 1.0);
    }

    /// <summary>784-128-10 <c>Predict</c> of one sample (probabilities and the most probable class).</summary>
    public static (double, double) TimeSeed128Predict(int repeats)
    {
        var step = new Seed128Predict();
        return Timing.Measure(ref step, repeats);
    }

    /// <summary>784-256-10 <c>Forward</c> (eval mode) of a batch: its logits.</summary>
    public static (double, double) TimeMlp256Forward(int batch, int repeats)
    {
        var step = new ForwardStep(new Mlp256(seed: 1, maxBatch: batch), batch);
        return Timing.Measure(ref step, repeats);
    }

    /// <summary>Fixed random inputs in [0, 1) and labels in [0, 10), like the PyTorch side.</summary>
    internal static (float[] Inputs, int[] Labels) Data(int batch, int features = 784, int classes = 10)
    {
        var rng = new Rng(1);
        float[] inputs = new float[batch * features];
        int[] labels = new int[batch];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextSingle(0f, 1f);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = rng.NextInt32(classes);
        }

        return (inputs, labels);
    }

    /// <summary>One Adam training step of the seed model.</summary>
    public readonly struct Seed128AdamStep : ITimedStep
    {
        private readonly Mlp128 _model;
        private readonly Adam _adam;
        private readonly float[] _inputs;
        private readonly int[] _labels;
        private readonly int _batch;

        /// <summary>Creates the model, optimizer and data.</summary>
        /// <param name="batch">Samples per step.</param>
        /// <param name="frozen">A layer to freeze (<c>fc1</c>), or null.</param>
        public Seed128AdamStep(int batch, string? frozen = null)
        {
            _batch = batch;
            _model = new Mlp128(seed: 1, maxBatch: batch);
            if (frozen is not null)
            {
                _model.Parameters.Freeze(frozen);
            }

            _adam = new Adam(_model.Parameters, learningRate: 1e-3f);
            (_inputs, _labels) = Data(batch);
        }

        /// <inheritdoc />
        public void Run()
        {
            _model.TrainStep(_inputs, _labels, _batch);
            _adam.Step();
        }
    }

    /// <summary>One SGD (momentum 0.9) training step of 784-256-10.</summary>
    public readonly struct Mlp256SgdStep : ITimedStep
    {
        private readonly Mlp256 _model;
        private readonly Sgd _sgd;
        private readonly float[] _inputs;
        private readonly int[] _labels;
        private readonly int _batch;

        /// <summary>Creates the model, optimizer and data.</summary>
        public Mlp256SgdStep(int batch)
        {
            _batch = batch;
            _model = new Mlp256(seed: 1, maxBatch: batch);
            _sgd = new Sgd(_model.Parameters, learningRate: 0.1f, momentum: 0.9f);
            (_inputs, _labels) = Data(batch);
        }

        /// <inheritdoc />
        public void Run()
        {
            _model.TrainStep(_inputs, _labels, _batch);
            _sgd.Step();
        }
    }

    /// <summary>One Adam training step of 784-1024-10.</summary>
    public readonly struct Mlp1024AdamStep : ITimedStep
    {
        private readonly Mlp1024 _model;
        private readonly Adam _adam;
        private readonly float[] _inputs;
        private readonly int[] _labels;
        private readonly int _batch;

        /// <summary>Creates the model, optimizer and data.</summary>
        public Mlp1024AdamStep(int batch)
        {
            _batch = batch;
            _model = new Mlp1024(seed: 1, maxBatch: batch);
            _adam = new Adam(_model.Parameters, learningRate: 1e-3f);
            (_inputs, _labels) = Data(batch);
        }

        /// <inheritdoc />
        public void Run()
        {
            _model.TrainStep(_inputs, _labels, _batch);
            _adam.Step();
        }
    }

    /// <summary>Single-sample prediction with the seed model.</summary>
    public readonly struct Seed128Predict : ITimedStep
    {
        private readonly Mlp128 _model;
        private readonly float[] _input;
        private readonly float[] _probabilities;

        /// <summary>Creates the model and one input.</summary>
        public Seed128Predict()
        {
            _model = new Mlp128(seed: 1, maxBatch: 1);
            _input = Data(1).Inputs;
            _probabilities = new float[10];
        }

        /// <inheritdoc />
        public void Run() => _model.Predict(_input, _probabilities);
    }

    /// <summary>A model's eval-mode <c>Forward</c> of a batch (PyTorch's <c>model(x)</c> under <c>eval()</c> and <c>no_grad()</c>): its outputs.</summary>
    public readonly struct ForwardStep : ITimedStep
    {
        private readonly IInferenceModel _model;
        private readonly float[] _inputs;
        private readonly float[] _outputs;
        private readonly int _batch;

        /// <summary>Keeps the model and makes a batch of inputs and the output buffer.</summary>
        /// <param name="model">The model, built for at least <paramref name="batch"/> samples.</param>
        /// <param name="batch">Samples per call.</param>
        public ForwardStep(IInferenceModel model, int batch)
        {
            _model = model;
            _batch = batch;
            _inputs = Data(batch, model.InputSize).Inputs;
            _outputs = new float[batch * model.OutputSize];
        }

        /// <inheritdoc />
        public void Run() => _model.Forward(_inputs, _outputs, _batch);
    }
}
