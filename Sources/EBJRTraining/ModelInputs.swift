import EBJRData
import EBJRCheckpoint

extension Checkpoint {
    /// The input normalisation stored in the checkpoint, as `InputNormalization` (nil: inputs are used as read).
    public var normalization: InputNormalization? {
        inputNormalization.map { InputNormalization(mean: $0.mean, std: $0.std) }
    }

    /// `raw` (a split as its source reads it) as this checkpoint's model takes it: normalised with the stored
    /// `x ↦ (x − mean[c]) / std[c]` in the data's own sample shape (so per-channel values meet their channels), then
    /// viewed with the model's input shape. What every command that runs a stored model on data goes through
    /// (`ebjr logits`, `ebjr evaluate`, teacher logits), so new data is normalised exactly as the training data was.
    public func modelInputs(_ raw: any LabelledSamples) throws -> any LabelledSamples {
        var data = raw
        if let normalization { data = try NormalizedSamples(data, normalization) }
        if let shape = modelConfig?.inputShape { data = try data.viewed(as: shape) }
        return data
    }
}
