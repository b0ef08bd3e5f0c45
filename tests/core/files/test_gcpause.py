"""The garbage collector's helpers: which code may leave objects to the process's end."""

from __future__ import annotations

import pytest

from flashprep.core.files.gcpause import ending_process, process_ending


def test_the_process_ends_only_inside_the_block_and_nested_blocks_restore_it() -> None:
    assert not process_ending()
    with ending_process():
        assert process_ending()
        with ending_process():
            assert process_ending()
        assert process_ending()
    assert not process_ending()


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt, SystemExit])
def test_leaving_the_block_by_an_exception_restores_it(error: type[BaseException]) -> None:
    with pytest.raises(error), ending_process():
        assert process_ending()
        raise error
    assert not process_ending()
