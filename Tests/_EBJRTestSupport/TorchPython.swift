import Foundation

extension TestSupport {
    /// The Python interpreter with PyTorch (and h5py) for the opt-in PyTorch interop tests: `$EBJR_TORCH_PYTHON`, else
    /// `<package>/.venv-bench/bin/python` as `scripts/torch-env.sh` creates it, if it imports `torch` and `h5py`;
    /// nil otherwise, and those tests are skipped (PyTorch is a large optional download; `scripts/torch-env.sh` installs it).
    public static let torchPython: URL? = {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["EBJR_TORCH_PYTHON"], packageRoot.appendingPathComponent(".venv-bench/bin/python").path].compactMap { $0 }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let url = URL(fileURLWithPath: path)
            if let probe = try? run(url, ["-c", "import torch, h5py, numpy"]), probe.status == 0 { return url }
        }
        return nil
    }()
}
