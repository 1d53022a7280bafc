"""ember.backends: what this build can run on, in the shape of torch.backends, so that device
selection and seeding boilerplate (`torch.backends.mps.is_available()`,
`torch.backends.cudnn.deterministic = True`) runs unchanged. ember has none of cuDNN, MPS,
MKL, oneDNN or OpenMP: those answer False, and their flags are plain settings with no kernel to
steer."""
from ember.backends import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401
