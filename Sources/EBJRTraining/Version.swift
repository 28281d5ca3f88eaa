public let toolkitVersion = "0.1.0"
