// Evaluation and report writers: files land in the following commits.
