/// The toolkit's version (SemVer), recorded in every checkpoint, report and export it writes and printed by
/// `ebjr --version`.
public let toolkitVersion = "0.2.0"
