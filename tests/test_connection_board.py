"""The board `leadbot serve`'s workers share: what one worker writes, the others read, across a real fork."""

from __future__ import annotations

import os

from handlers.connection_board import ConnectionBoard


def test_a_worker_forked_after_the_board_was_made_is_seen_by_the_others():
    board = ConnectionBoard(slots=4)
    mine, theirs = board.free_slot([]), board.free_slot([0])
    board.publish(mine, 3, taking=True)
    child = os.fork()
    if child == 0:  # the other worker: it holds one connection
        board.publish(theirs, 1, taking=True)
        os._exit(0)
    assert os.waitpid(child, 0)[1] == 0
    assert board.fewer_elsewhere(mine, 3)
    assert not board.fewer_elsewhere(theirs, 1)


def test_a_worker_stopping_or_gone_is_not_left_new_connections():
    board = ConnectionBoard(slots=4)
    assert (board.free_slot([]), board.free_slot([0])) == (0, 1)
    board.publish(0, 5, taking=True)
    board.publish(1, 0, taking=False)  # stopping: it takes no new connection
    assert not board.fewer_elsewhere(0, 5)
    board.publish(1, 0, taking=True)
    assert board.fewer_elsewhere(0, 5)
    board.clear(1)  # the master saw it exit
    assert not board.fewer_elsewhere(0, 5)


def test_equal_shares_leave_nobody_waiting_and_a_new_worker_gets_a_cleared_slot():
    board = ConnectionBoard(slots=2)
    assert (board.free_slot([]), board.free_slot([0])) == (0, 1)
    board.publish(0, 2, taking=True)
    board.publish(1, 2, taking=True)
    assert not board.fewer_elsewhere(0, 2) and not board.fewer_elsewhere(1, 2)
    assert board.free_slot([0]) == 1  # slot 1's old worker is gone: its count does not carry over
    assert not board.fewer_elsewhere(0, 2)
    board.publish(1, 0, taking=True)
    assert board.fewer_elsewhere(0, 2)
    assert board.free_slot([0, 1]) is None
