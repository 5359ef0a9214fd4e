# Types of winnow's C++ binding (src/python/module.cpp), for type checkers
# and editors.
from os import PathLike
from typing import Any, Iterable, Optional, Union

Text = Union[str, bytes]

class Error(Exception):
    where: str
    message: str

class OptionError(Error, ValueError): ...

class Drop:
    line: int
    lines: int
    reason: str
    of_line: Optional[int]
    similarity: Optional[float]
    text: Text

class Result:
    text: Text
    drops: list[Drop]
    analysed: bool
    lines_in: int
    lines_out: int
    def explain(self, where: str = "-") -> str: ...

class Decision:
    record: Any
    ordinal: int
    keep: bool
    reason: Optional[str]
    duplicate_of: Optional[int]
    duplicate_of_id: Optional[str]
    duplicate_of_url: Optional[str]
    similarity: Optional[float]
    text: Optional[Text]
    drops: list[Drop]
    analysed: bool

class Cleaner:
    def __init__(self, **options: Any) -> None: ...
    def clean(self, text: Text) -> Result: ...
    def clean_batch(self, texts: Iterable[Text]) -> list[Result]: ...
    @property
    def threads(self) -> int: ...
    @property
    def options(self) -> dict[str, Any]: ...

class Stream:
    def __init__(self, **options: Any) -> None: ...
    def process(self, records: Iterable[Union[Text, dict[str, Any]]]) -> list[Decision]: ...
    def save(self, path: Optional[Union[str, PathLike[str]]] = None) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Stream": ...
    def __exit__(self, *exc: Any) -> None: ...
    @property
    def stats(self) -> dict[str, Any]: ...
    @property
    def index_file(self) -> str: ...

def options() -> dict[str, dict[str, str]]: ...
__version__: str
