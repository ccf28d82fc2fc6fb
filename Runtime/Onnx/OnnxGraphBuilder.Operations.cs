using System;
using System.Collections.Generic;

namespace StaticGrad.Onnx;

/// <summary>
/// All or nothing for the operations that add several nodes, constants or initializers: one refused at its third node
/// (an output name that exists, a weight not added yet) used to leave its first two in the graph, dangling, and the next
/// calls built on a graph the caller never asked for.
/// </summary>
public sealed partial class OnnxGraphBuilder
{
    private readonly List<string> _declaredOrder = new();
    private readonly List<string> _constantOrder = new();
    private readonly List<string> _countedOps = new();
    private bool _inOperation;

    /// <summary>
    /// Runs one public operation; when it throws, the graph is left as it was before (its nodes, tensors, constants,
    /// initializers and generated names undone). An operation that calls another is one operation.
    /// </summary>
    private T Operation<T>(Func<T> operation)
    {
        if (_inOperation)
        {
            return operation();
        }

        var mark = new Mark(_nodes.Count, _initializers.Count, _declaredOrder.Count, _constantOrder.Count, _countedOps.Count, _nextTensor);
        _inOperation = true;
        try
        {
            return operation();
        }
        catch
        {
            Undo(mark);
            throw;
        }
        finally
        {
            _inOperation = false;
        }
    }

    private void Operation(Action operation) => Operation(() =>
    {
        operation();
        return 0;
    });

    private void Undo(Mark mark)
    {
        _nodes.RemoveRange(mark.Nodes, _nodes.Count - mark.Nodes);
        _initializers.RemoveRange(mark.Initializers, _initializers.Count - mark.Initializers);
        for (int i = mark.Declared; i < _declaredOrder.Count; i++)
        {
            _tensors.Remove(_declaredOrder[i]);
        }

        _declaredOrder.RemoveRange(mark.Declared, _declaredOrder.Count - mark.Declared);
        for (int i = mark.Constants; i < _constantOrder.Count; i++)
        {
            _constants.Remove(_constantOrder[i]);
        }

        _constantOrder.RemoveRange(mark.Constants, _constantOrder.Count - mark.Constants);
        for (int i = mark.CountedOps; i < _countedOps.Count; i++)
        {
            _opCounts[_countedOps[i]]--;
        }

        _countedOps.RemoveRange(mark.CountedOps, _countedOps.Count - mark.CountedOps);
        _nextTensor = mark.NextTensor;
    }

    /// <summary>How far each list had grown when an operation began.</summary>
    private readonly record struct Mark(int Nodes, int Initializers, int Declared, int Constants, int CountedOps, int NextTensor);
}
