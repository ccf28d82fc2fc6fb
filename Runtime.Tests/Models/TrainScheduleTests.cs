using System.Linq;
using StaticGrad.Models.Commands;
using Xunit;

namespace StaticGrad.Runtime.Tests.Models;

/// <summary>The learning rates of <c>train --lr-schedule NAME --warmup N</c>, epoch by epoch, as README's option table says.</summary>
public sealed class TrainScheduleTests
{
    [Theory]
    [InlineData(10, 0, new[] { 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01 })]
    [InlineData(3, 0, new[] { 1, 0.1, 0.01 })]
    [InlineData(2, 0, new[] { 1, 0.1 })]
    [InlineData(1, 0, new[] { 1.0 })]
    [InlineData(10, 2, new[] { 0.1, 0.55, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01 })] // README's --warmup 2 example: 8 epochs after the warm-up
    public void StepDividesByTenAfterTheFirstAndSecondThird(int epochs, int warmup, double[] factors)
    {
        var optimizer = new Sgd(new ParameterSet([new ParameterTensor("p", 0, [1], fanIn: 1)]), learningRate: 0.1f);
        TrainSchedule schedule = TrainSchedule.Create("step", warmup, epochs, stepsPerEpoch: 5, optimizer);
        double[] rates = new double[epochs];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            rates[epoch] = optimizer.LearningRate;
            schedule.Scheduler!.Step();
        }

        Assert.Equal(factors.Select(f => (double)(float)(0.1 * f)), rates, (a, b) => System.Math.Abs(a - b) <= 1e-7 * System.Math.Abs(a));
    }
}
