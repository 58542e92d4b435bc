import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny networks train far faster on one thread, above all on a shared, busy machine."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
