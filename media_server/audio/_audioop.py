"""The C `audioop` module on every supported Python.

CPython 3.11 and 3.12 ship it (deprecated); from 3.13 the locked `audioop-lts` wheel provides
the same module under the same name. Importing it here, once, keeps the deprecation warning
out of every test run and every log.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

__all__ = ["audioop"]
