"""Device memory: a DLPack producer on a GPU gets a clear error (this module reads host memory
only); torch CPU tensors of every float dtype, strided, are read in place."""
import ctypes

import numpy as np
import pytest

import infoscale

KDL_CUDA = 2


class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class _DataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int), ("dtype", _DataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


_Deleter = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class _Managed(ctypes.Structure):
    _fields_ = [("dl_tensor", _Tensor), ("manager_ctx", ctypes.c_void_p), ("deleter", _Deleter)]


class FakeDeviceArray:
    """A float32 (rows x cols) DLPack producer that says its memory is on CUDA device `device_id`.

    The data pointer is a host buffer that must never be read (the check comes first)."""

    def __init__(self, rows, cols, device_type=KDL_CUDA, device_id=0):
        self.buffer = np.zeros((rows, cols), dtype=np.float32)
        self.shape = (ctypes.c_int64 * 2)(rows, cols)
        self.deleted = 0
        self.deleter = _Deleter(self._delete)  # kept alive with the object
        self.managed = _Managed()
        t = self.managed.dl_tensor
        t.data = self.buffer.ctypes.data
        t.device = _Device(device_type, device_id)
        t.ndim = 2
        t.dtype = _DataType(2, 32, 1)  # kDLFloat, 32 bits
        t.shape = self.shape
        t.strides = None
        self.managed.deleter = self.deleter
        self.device = (device_type, device_id)

    def _delete(self, _):
        self.deleted += 1

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, **kwargs):
        new = ctypes.pythonapi.PyCapsule_New
        new.restype = ctypes.py_object
        new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
        return new(ctypes.addressof(self.managed), b"dltensor", None)


def test_cuda_array_gets_a_clear_error():
    fake = FakeDeviceArray(3, 5, device_id=1)
    with pytest.raises(infoscale.Error) as info:
        infoscale.entropy_from_logits(fake)
    assert str(info.value) == (
        "infoscale::entropy_from_logits: argument 'logits' lives on a CUDA device (DLPack device type 2, id 1), "
        "but this infoscale module was built without CUDA support and reads host memory only: copy it to the "
        "CPU first (torch: tensor.cpu())")
    with pytest.raises(infoscale.Error, match=r"^infoscale::linear_cka: argument 'x' lives on a CUDA device"):
        infoscale.layers.linear_cka(FakeDeviceArray(4, 2), np.ones((4, 2)))
    with pytest.raises(infoscale.Error, match=r"argument 'layers' lives on a ROCm device"):
        infoscale.layers.attention_drift(FakeDeviceArray(2, 2, device_type=10))


def test_torch_cpu_tensors_are_read_in_place(rng):
    torch = pytest.importorskip("torch")
    base = torch.from_numpy(rng.normal(scale=3.0, size=(6, 40)))
    for dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        t = base.to(dtype)
        view = t[:, ::3]  # non-contiguous; a copy would be needed by any reader that wants C order
        want = infoscale.entropy_from_logits(view.double().contiguous().numpy())
        np.testing.assert_allclose(infoscale.entropy_from_logits(view), want, rtol=1e-12)
        np.testing.assert_allclose(infoscale.thermodynamics(view.T.contiguous().T).entropy, want, rtol=1e-12)
    # writes go to the tensor's own memory: nothing was copied on the way in
    t = torch.arange(12.0).reshape(3, 4)
    before = t.clone()
    infoscale.layers.add_gaussian_noise(t[:, 1:], 1.0, seed=0)
    assert (t[:, 0] == before[:, 0]).all() and (t[:, 1:] != before[:, 1:]).all()
