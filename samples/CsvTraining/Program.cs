using StaticGrad;
using StaticGrad.Data;
using StaticGrad.Training;

// Disease progression from 10 measurements: CSV in, a fitted regressor out, with the StaticGrad package alone.
InMemoryDataset data = CsvDataset.LoadTargets(Path.Combine(AppContext.BaseDirectory, "diabetes.csv"), ["target"]);
var (train, validation) = DatasetSplit.TrainValidation(data, 0.2, seed: 1);
var model = new DiabetesModel(seed: 1, maxBatch: 128);
var adam = new Adam(model.Parameters, learningRate: 0.05f);
var trainer = new Trainer(model, adam, new DataLoader(train, batchSize: 32, seed: 1), new TrainerOptions
{
    Validation = validation,
    Scheduler = new CosineAnnealingLR(adam, tMax: 300),
    EarlyStopping = new EarlyStopping(MonitoredMetric.ValidationLoss, patience: 30),
});
StopReason reason = trainer.Fit(epochs: 300);

float[] predictions = new float[validation.Count];
trainer.Predict(validation.FeatureValues, predictions);
double r2 = RegressionMetrics.R2(validation.TargetValues, predictions);
Console.WriteLine($"{reason} after {trainer.EpochsCompleted} epochs: validation MSE {trainer.Evaluate(validation).Loss:F1}, R2 {r2:F3}");
return r2 > 0.3 ? 0 : 1;
