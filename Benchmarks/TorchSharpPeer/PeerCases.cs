using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StaticGrad.Benchmarks.TorchSharpPeer;

/// <summary>One benchmark case: its name (shared with the PyTorch scripts and Benchmarks), its batch, and how to build its step.</summary>
/// <param name="Name">The case name, e.g. <c>seed128_adam_b64</c>.</param>
/// <param name="Batch">Samples per step.</param>
/// <param name="Build">Seeds libtorch, builds the model, optimizer and data, and returns one step.</param>
internal sealed record PeerCase(string Name, int Batch, Func<Action> Build);

/// <summary>
/// The cases of scripts/pytorch_bench.py (784-H-10 MLPs) and scripts/pytorch_cnn_bench.py (LeNet-5), written the way a
/// TorchSharp user writes them, so each step does the work the PyTorch one does: the same layers with libtorch's default
/// init after <c>manual_seed(1)</c>, the same optimizer settings, fixed <c>rand</c> inputs and <c>randint</c> labels.
/// Each step runs inside a dispose scope, TorchSharp's way of freeing a step's temporaries at once rather than at the
/// next garbage collection.
/// </summary>
internal static class PeerCases
{
    /// <summary>Every case, in the order run by default.</summary>
    public static readonly IReadOnlyList<PeerCase> All =
    [
        Mlp("seed128_adam_b64", hidden: 128, batch: 64, Work.AdamStep),
        Mlp("mlp256_sgd_b64", hidden: 256, batch: 64, Work.SgdStep),
        Mlp("mlp1024_adam_b1024", hidden: 1024, batch: 1024, Work.AdamStep),
        Mlp("seed128_infer_b1", hidden: 128, batch: 1, Work.Predict),
        Mlp("mlp256_infer_b64", hidden: 256, batch: 64, Work.Forward),
        LeNet("lenet_adam_b64", batch: 64, Work.AdamStep),
        LeNet("lenet_infer_b1", batch: 1, Work.Predict),
    ];

    private const int Inputs = 784;
    private const int Classes = 10;

    /// <summary>What one step does.</summary>
    private enum Work
    {
        /// <summary>zero_grad, CrossEntropyLoss of the model's output, backward, Adam(lr 1e-3) step, the loss as a float.</summary>
        AdamStep,

        /// <summary>The same with SGD(lr 0.1, momentum 0.9).</summary>
        SgdStep,

        /// <summary>Eval mode, no_grad: softmax of the output, argmax of the first row.</summary>
        Predict,

        /// <summary>Eval mode, no_grad: the output (logits) of the batch.</summary>
        Forward,
    }

    /// <summary>Linear(784, hidden), ReLU, Linear(hidden, 10): pytorch_bench.py's make_model.</summary>
    private static PeerCase Mlp(string name, int hidden, int batch, Work work) => new(name, batch, () =>
    {
        torch.manual_seed(1);
        Sequential model = nn.Sequential(nn.Linear(Inputs, hidden), nn.ReLU(), nn.Linear(hidden, Classes));
        Tensor x = torch.rand(batch, Inputs);
        return MakeStep(model, x, batch, work);
    });

    /// <summary>LeNet-5 as pytorch_cnn_bench.py builds it: conv 6@5x5 pad 2, ReLU, maxpool 2; conv 16@5x5, ReLU, maxpool 2; 400-120-84-10.</summary>
    private static PeerCase LeNet(string name, int batch, Work work) => new(name, batch, () =>
    {
        torch.manual_seed(1);
        Sequential model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding: 2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, Classes));
        Tensor x = torch.rand(batch, 1, 28, 28);
        return MakeStep(model, x, batch, work);
    });

    /// <summary>The step of <paramref name="work"/> on <paramref name="model"/> and input <paramref name="x"/>; training steps draw their labels here, after the input, as the Python scripts do.</summary>
    private static Action MakeStep(Sequential model, Tensor x, int batch, Work work)
    {
        if (work is Work.Predict or Work.Forward)
        {
            model.eval();
            return work == Work.Predict
                ? () =>
                {
                    using DisposeScope scope = torch.NewDisposeScope();
                    using IDisposable noGrad = torch.no_grad();
                    _ = torch.softmax(model.call(x), 1).argmax(1)[0].item<long>();
                }
                : () =>
                {
                    using DisposeScope scope = torch.NewDisposeScope();
                    using IDisposable noGrad = torch.no_grad();
                    _ = model.call(x);
                };
        }

        Tensor y = torch.randint(0, Classes, [batch], ScalarType.Int64);
        optim.Optimizer optimizer = work == Work.AdamStep
            ? optim.Adam(model.parameters(), lr: 1e-3)
            : optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        CrossEntropyLoss lossFunction = nn.CrossEntropyLoss();
        return () =>
        {
            using DisposeScope scope = torch.NewDisposeScope();
            // TorchSharp's zero_grad() zeroes the gradients in place; it has no set_to_none form.
            optimizer.zero_grad();
            Tensor loss = lossFunction.call(model.call(x), y);
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
        };
    }
}
