"""Test data locations: from the CTest entry's environment, else relative to the repository."""
import os

_REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEMO_MODEL = os.environ.get("PLINTH_DEMO_MODEL_DIR", os.path.join(_REPO, "models", "license-mistral"))
GOLDEN = os.environ.get("PLINTH_GOLDEN_DIR", os.path.join(_REPO, "tests", "data", "golden"))
