"""Bounded reading of release archives (zip): a hostile or damaged zip fails as `DefinitionError`.

Definition releases arrive as zips (the Norwegian JSON, NCC's dBase tables). A zip can claim
small sizes and inflate to gigabytes, be truncated, or carry a bad CRC. Members are inflated
in chunks while counting the bytes actually produced, so a bomb is stopped after at most
one chunk past the limit, whatever the archive declares.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from isf.definitions.model import DefinitionError

__all__ = ["MAX_MEMBER_BYTES", "MAX_RATIO", "MAX_TOTAL_BYTES", "extract_members", "open_zip", "read_member"]

MAX_MEMBER_BYTES = 256 * 1024 * 1024  # the largest published table inflates to 13 MB
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # published releases compress 12-22 times; checked past the first MiB
_CHUNK = 1024 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)


@contextmanager
def open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """The zip at `path`, its directory checked against the size limits before any inflating."""
    file = str(path)
    try:
        z = zipfile.ZipFile(path)
    except _ZIP_ERRORS as e:
        raise DefinitionError(file, None, None, f"not a readable zip archive ({e})") from e
    with z:
        total = sum(i.file_size for i in z.infolist())
        if total > MAX_TOTAL_BYTES:
            raise DefinitionError(file, None, None, f"archive declares {total} bytes, more than {MAX_TOTAL_BYTES} allowed")
        yield z


def _inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, sink: list[bytes] | None, out: Path | None) -> int:
    limit = min(MAX_MEMBER_BYTES, max(info.file_size, 0) + _CHUNK) if info.file_size else MAX_MEMBER_BYTES
    done = 0
    try:
        with z.open(info) as src, (open(out, "wb") if out is not None else _nowhere()) as dst:
            while chunk := src.read(_CHUNK):
                done += len(chunk)
                if done > limit or done > MAX_MEMBER_BYTES:
                    raise DefinitionError(file, info.filename, None, "member inflates beyond its declared or allowed size")
                if done > _CHUNK and done > MAX_RATIO * max(info.compress_size, 1):
                    raise DefinitionError(
                        file, info.filename, None, f"member inflates more than {MAX_RATIO} times its compressed size"
                    )
                if sink is not None:
                    sink.append(chunk)
                if dst is not None:
                    dst.write(chunk)
    except DefinitionError:
        raise
    except _ZIP_ERRORS as e:  # CRC mismatch, truncated stream, unsupported method
        raise DefinitionError(file, info.filename, None, f"damaged archive member ({e})") from e
    return done


@contextmanager
def _nowhere() -> Iterator[None]:
    yield None


def read_member(z: zipfile.ZipFile, name: str, file: str) -> bytes:
    """One member's bytes, inflated within the limits."""
    chunks: list[bytes] = []
    _inflate(z, z.getinfo(name), file, chunks, None)
    return b"".join(chunks)


def extract_members(z: zipfile.ZipFile, names: list[str], folder: Path, file: str) -> dict[str, Path]:
    """Inflate `names` into `folder` (flat, by base name) within the limits; name -> path."""
    out: dict[str, Path] = {}
    total = 0
    for name in names:
        base = Path(name).name
        if not base or base in (".", ".."):
            raise DefinitionError(file, name, None, "member has no usable file name")
        target = folder / base
        total += _inflate(z, z.getinfo(name), file, None, target)
        if total > MAX_TOTAL_BYTES:
            raise DefinitionError(file, None, None, f"archive inflates to more than {MAX_TOTAL_BYTES} bytes")
        out[name] = target
    return out
