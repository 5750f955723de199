__version__ = "0.2.0"

import logging as _logging

# bitsandbytes asks a model hub for an optional CPU kernel at import and logs a warning when it cannot reach one;
# the package never uses 4-bit CPU kernels, so that one logger is quietened (GPU paths are not affected)
_logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(_logging.ERROR)
