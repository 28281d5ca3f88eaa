"""A minimal MLServer runtime that serves an ONNX model with onnxruntime (used by the `ebjr serve` tests and
benchmarks/serve-load.sh).

model-settings.json: {"name": "cnn", "implementation": "onnx_runtime.OnnxRuntimeModel",
                      "parameters": {"uri": "./cnn.onnx"}}
The first input of the ONNX graph takes the request's first input (as FP32); every graph output is returned,
under its ONNX name. Environment: EBJR_TEST_DELAY_MS (tests) sleeps that long in each predict (a slow deep
model, to fill the router's queue); EBJR_BATCH_LOG (tests, benchmark) appends each received batch size to that file.
"""
import asyncio
import os

import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse
from mlserver.utils import get_model_uri


class OnnxRuntimeModel(MLModel):
    async def load(self) -> bool:
        uri = await get_model_uri(self._settings)
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("EBJR_ORT_THREADS", "1"))
        self._session = ort.InferenceSession(uri, options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._outputs = [o.name for o in self._session.get_outputs()]
        self._delay = float(os.environ.get("EBJR_TEST_DELAY_MS", "0")) / 1000
        self._batch_log = os.environ.get("EBJR_BATCH_LOG")
        self.ready = True
        return self.ready

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        x = NumpyCodec.decode_input(payload.inputs[0]).astype(np.float32, copy=False)
        if self._batch_log:
            with open(self._batch_log, "a") as log:
                log.write(f"{x.shape[0]}\n")
        if self._delay:
            await asyncio.sleep(self._delay)
        results = self._session.run(None, {self._input: x})
        return InferenceResponse(
            model_name=self.name,
            id=payload.id,
            outputs=[NumpyCodec.encode_output(name=name, payload=value) for name, value in zip(self._outputs, results)],
        )
