import EBJRHDF5
import EBJRFiles
import Foundation

/// A human-readable summary of an HDF5 file, for `ebjr inspect`.
///
/// A checkpoint shows format, architecture, layers with shapes (and the element type of any that is not float32,
/// e.g. `num_batches_tracked [] int64`), parameter count (buffers counted apart), classes, optimizer and step,
/// training position, metadata and the recipe's first lines; a logits file shows split, shape, checksum and
/// classes; any other HDF5 file shows its tree of groups and datasets. Weights are not read, only shapes.
public func inspect(_ url: URL, recipeLines: Int = 8) throws -> String {
    let file = try HDF5File.open(url)
    defer { try? file.close() }
    let format = file.hasAttribute("format") ? try? file.stringAttribute("format") : nil
    var lines = [url.path]
    if let size = try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int {
        lines.append(field("size", formatBytes(size)))
    }
    switch format {
    case CheckpointFormat.name:
        try file.close()
        lines += try describeCheckpoint(url, recipeLines: recipeLines)
    case LogitsFile.formatName:
        lines += try describeLogits(file)
    default:
        lines += try describeTree(file)
    }
    return lines.joined(separator: "\n")
}

/// Reads every dataset of the HDF5 file at `url`, checking the checksums of those stored with one. Returns one
/// line per file (`<path>: OK, <n> datasets (<m> checksummed)`) or throws the first failure, which names the
/// dataset (`HDF5Error.checksumMismatch`, a read error, …).
public func verifyFile(_ url: URL) throws -> String {
    let file = try HDF5File.open(url)
    defer { try? file.close() }
    var count = 0, checksummed = 0
    // Hard links can reach an object twice or form a cycle (a group inside itself): each object is visited once.
    var visited: Set<Int64> = [try file.address()]
    func walk(_ group: HDF5Group) throws {
        for name in try group.childNames() {
            switch try group.kind(of: name) {
            case .group:
                let child = try group.group(name)
                if visited.insert(try child.address()).inserted { try walk(child) }
            case .dataset:
                let dataset = try group.dataset(name)
                guard visited.insert(try dataset.address()).inserted else { continue }
                try dataset.verify()
                count += 1
                if try dataset.isChecksummed() { checksummed += 1 }
            case .other: break
            }
        }
    }
    try walk(file)
    return "\(url.path): OK, \(count) datasets read (\(checksummed) with checksums)"
}

private func describeCheckpoint(_ url: URL, recipeLines: Int) throws -> [String] {
    let file = try Checkpoint.openCheckpoint(url)
    defer { try? file.close() }
    var lines = [field("format", "\(CheckpointFormat.name) v\(try file.int64Attribute(CheckpointFormat.formatVersionAttribute)) "
        + "(toolkit \(try file.stringAttribute(CheckpointFormat.toolkitVersionAttribute)), weight layout "
        + "\(try file.stringAttribute(CheckpointFormat.weightLayoutAttribute)))")]
    let config = try Checkpoint.readModelConfig(in: file)
    if let config { lines.append(field("architecture", config.summary)) }
    if let kind = try Checkpoint.readModelKind(in: file) {
        let json = file.contains(CheckpointFormat.modelConfigDataset) ? try file.dataset(CheckpointFormat.modelConfigDataset).readString() : ""
        let compact = json.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        lines.append(field("model kind", kind + (compact.isEmpty ? "" : " \(compact)")))
    }

    let weights = try file.group(CheckpointFormat.modelWeightsGroup)
    let layerNames = try weights.stringsAttribute(CheckpointFormat.layerNamesAttribute)
    let width = min(24, layerNames.map { max($0.count, CheckpointFormat.rootLayerGroup.count) }.max() ?? 0)
    var parameterCount = 0, bufferCount = 0
    lines.append(field("layers", "\(layerNames.count)"))
    for layer in layerNames {
        let group = try weights.group(CheckpointFormat.groupName(forLayer: layer))
        let shapes = try group.stringsAttribute(CheckpointFormat.weightNamesAttribute).map { weight in
            let dataset = try group.dataset(weight)
            let shape = try dataset.shape()
            if CheckpointFormat.bufferNames.contains(weight) { bufferCount += shape.reduce(1, *) } else { parameterCount += shape.reduce(1, *) }
            let type = try dataset.dataType()
            return "\(weight) \(shape)" + (type == .float32 ? "" : " \(type)")
        }
        let name = layer.isEmpty ? CheckpointFormat.rootLayerGroup : layer
        lines.append("    " + name.padding(toLength: max(width, name.count), withPad: " ", startingAt: 0) + "  "
            + shapes.joined(separator: "  "))
    }
    lines.append(field("parameters", formatCount(parameterCount)
        + (bufferCount == 0 ? "" : " (and \(formatCount(bufferCount)) buffer values: batch-norm running statistics)")))

    let classNames = try file.dataset(CheckpointFormat.classNamesDataset).readStrings()
    let subset = file.contains(CheckpointFormat.classSubsetDataset)
        ? try file.dataset(CheckpointFormat.classSubsetDataset).read(Int64.self).map { Int($0) } : nil
    // What the model really outputs (a specialist: the subset's classes, then `other`), then the label set.
    var outputNamesShown = false
    if let outputs = config?.outputCount {
        let names = Checkpoint.outputNames(classNames: classNames, subset: subset, outputs: outputs)
        outputNamesShown = !names.isEmpty && subset == nil
        lines.append(field("outputs", names.isEmpty ? "\(outputs) (unnamed: the class names do not account for them)"
                                                    : "\(outputs): " + names.joined(separator: ", ")))
    }
    if !classNames.isEmpty && !outputNamesShown {
        lines.append(field(config == nil ? "classes" : "label set", "\(classNames.count): " + classNames.joined(separator: ", ")))
    }
    if let subset { lines.append(field("class subset", "\(subset)")) }
    if file.contains(CheckpointFormat.subsetDesignDataset) {
        lines.append(field("subset design", firstLine(try file.dataset(CheckpointFormat.subsetDesignDataset).readString())))
    }
    if file.contains(CheckpointFormat.inputNormalizationGroup) {
        let n = try Checkpoint.readInputNormalization(file.group(CheckpointFormat.inputNormalizationGroup), file: url.path)
        lines.append(field("normalization", "input mean \(n.mean), std \(n.std)"))
    }
    if file.contains(CheckpointFormat.optimizerGroup) {
        let group = try file.group(CheckpointFormat.optimizerGroup)
        let reserved: Set = [CheckpointFormat.optimizerNameAttribute, CheckpointFormat.optimizerStepAttribute]
        let hyperparameters = try group.attributeNames().filter { !reserved.contains($0) }
            .map { "\($0)=\(formatReal(try group.doubleAttribute($0)))" }
        lines.append(field("optimizer", "\(try group.stringAttribute(CheckpointFormat.optimizerNameAttribute)), step "
            + "\(try group.int64Attribute(CheckpointFormat.optimizerStepAttribute)) (\(hyperparameters.joined(separator: ", ")))"))
    } else {
        lines.append(field("optimizer", "none (weights only)"))
    }
    if file.contains(CheckpointFormat.trainingStateGroup) {
        let group = try file.group(CheckpointFormat.trainingStateGroup)
        lines.append(field("training", "epoch \(try group.int64Attribute(CheckpointFormat.epochAttribute)), global step "
            + "\(try group.int64Attribute(CheckpointFormat.globalStepAttribute)), batch "
            + "\(try group.int64Attribute(CheckpointFormat.batchIndexAttribute))"))
    }
    if file.contains(CheckpointFormat.metadataGroup) {
        let group = try file.group(CheckpointFormat.metadataGroup)
        for key in try group.childNames() {
            lines.append(field("metadata", "\(key) = \(metadataSummary(key, try group.dataset(key).readString()))"))
        }
    }
    let recipe = try file.dataset(CheckpointFormat.recipeDataset).readString()
    let recipeText = recipe.split(separator: "\n", omittingEmptySubsequences: false)
        .reversed().drop { $0.isEmpty }.reversed()
    if recipeText.isEmpty {
        lines.append(field("recipe", "(none)"))
    } else {
        lines.append(field("recipe", "\(recipeText.count) lines"))
        lines += recipeText.prefix(recipeLines).map { "    " + $0 }
        if recipeText.count > recipeLines { lines.append("    … \(recipeText.count - recipeLines) more lines") }
    }
    return lines
}

private func describeLogits(_ file: HDF5File) throws -> [String] {
    let shape = try file.dataset("logits").shape()
    var lines = [field("format", "\(LogitsFile.formatName) v\(try file.int64Attribute("format_version"))"),
                 field("logits", "\(shape) \(try file.dataset("logits").dataType())")]
    if file.hasAttribute("split") { lines.append(field("split", try file.stringAttribute("split"))) }
    if file.hasAttribute("input_checksum") { lines.append(field("input checksum", try file.stringAttribute("input_checksum"))) }
    if file.contains("class_names") {
        let names = try file.dataset("class_names").readStrings()
        if !names.isEmpty { lines.append(field("classes", "\(names.count): " + names.joined(separator: ", "))) }
    }
    return lines
}

/// Every group and dataset, depth first, with dataset shapes and types (at most `limit` lines).
private func describeTree(_ file: HDF5File, limit: Int = 200) throws -> [String] {
    var lines = [field("format", "HDF5 (not an EBJR file)")]
    func walk(_ group: HDF5Group, depth: Int) throws {
        for name in try group.childNames() {
            guard lines.count < limit else { return }
            let indent = String(repeating: "  ", count: depth + 1)
            switch try group.kind(of: name) {
            case .group:
                lines.append(indent + name + "/")
                try walk(try group.group(name), depth: depth + 1)
            case .dataset:
                let dataset = try group.dataset(name)
                lines.append(indent + name + "  \(try dataset.dataType()) \(try dataset.shape())")
            case .other:
                lines.append(indent + name + "  (other)")
            }
        }
    }
    try walk(file, depth: 0)
    if lines.count >= limit { lines.append("  …") }
    return lines
}

private func field(_ name: String, _ value: String) -> String {
    "  " + name.padding(toLength: 15, withPad: " ", startingAt: 0) + value
}

/// One line for a metadata value: the provenance manifest's summary, the training log's epoch count, or the first
/// line of anything else.
private func metadataSummary(_ key: String, _ text: String) -> String {
    if key == RunManifest.checkpointMetadataKey, let manifest = try? RunManifest.parse(text) { return manifest.summary }
    if key == "training_log" {
        let rows = text.split(separator: "\n").count - 1
        return "\(rows) epoch\(rows == 1 ? "" : "s") (also in <checkpoint name>.log.csv)"
    }
    return firstLine(text)
}

private func firstLine(_ text: String) -> String {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.count > 1 ? "\(lines[0]) …" : text
}

/// The shortest text for `value`, treating it as a Float if it is one (optimizers keep Float hyperparameters,
/// so `0.9` is stored as 0.8999999761581421).
private func formatReal(_ value: Double) -> String {
    let single = Float(value)
    return Double(single) == value ? "\(single)" : "\(value)"
}

/// `1234567` → `1,234,567`.
private func formatCount(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var grouped = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
        grouped.append(digit)
    }
    return (value < 0 ? "-" : "") + grouped
}

private func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
}
