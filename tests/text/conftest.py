from pathlib import Path

import pytest

from speech.text.frontend import Frontend
from speech.text.tokenizer import Tokenizer

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def frontend() -> Frontend:
    return Frontend()


@pytest.fixture(scope="session")
def tokenizer(frontend: Frontend) -> Tokenizer:
    return Tokenizer(frontend=frontend)
