"""``fanzha desk``: a whole shift in one process, one key per action, the next card at once.

A thin loop over the same library calls as the commands. Keys come one at a time from the keyboard (raw mode on a
terminal) or from standard input when it is not one, so a shift can be replayed or tested by piping keys in.
"""

import sys
from collections import Counter
from contextlib import suppress

import typer

from fanzha_cli.cli.application import app, reported
from fanzha_cli.cli.desk import report_log, report_undo
from fanzha_cli.cli.render import empty_queue, remind, show_card, warning_view
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.errors import DatabaseUnreachable, FanzhaError
from fanzha_cli.domain.values import mask_phone
from fanzha_cli.output import counted, err, out

HELP = (
    "r 已接通 reached · u 未接通 unreachable · d 不信任 distrustful · e 移交 escalate · s 跳过 skip"
    " · n 备注 note · p 止付 stop-payment · / 查找 find · t 接手 take · z 撤销 undo · q 退出 quit"
)
OUTCOME_KEYS = {"r": "reached", "u": "unreachable", "d": "distrustful"}


@app.command("desk")
def desk_mode(ctx: typer.Context) -> None:
    """A whole shift at the keyboard: one key per outcome, the next card at once.

    Keys: r reached, u unreachable, d distrustful, e escalate, s skip (release), n note, p stop-payment,
    / find, t take what was found, z undo, q quit.

    Example: fanzha desk
    """
    with reported():
        session = ctx.obj
        keys, shift = Keys(), Shift()
        store = session.open_store()
        signal = store.work_signal() if keys.terminal else None  # listening from the start: no notice missed
        found: list[dict] = []  # what `/` found last, for `t`
        while True:
            try:
                key = _turn(Desk(store, session.officer), keys, shift, signal, found)
            except DatabaseUnreachable as exc:  # the server restarted, or the network dropped: the shift goes on
                err(f"fanzha: {exc}", "bold red")
                store, signal = _reconnect(session, store, keys)
                if store is None:  # quit while waiting: what the shift did is stored; the hand is as it was
                    out(shift.line())
                    return
                continue
            if key in (None, "q"):
                break
        held = Desk(store, session.officer).in_hand()
        if held:
            out(f"{held['id']} is still in your hand: `fanzha next` shows it again.")
        out(shift.line())


def _turn(desk: Desk, keys: "Keys", shift: "Shift", signal: int | None, found: list[dict]) -> str | None:
    """One card (or the empty queue) and the officer's key on it; the key, None at the end of the keys."""
    warning, _ = desk.take_next()
    remind(desk)
    if warning is None:
        out(empty_queue(desk) + " New work shows here by itself; any key checks now; q quits.", "green")
    else:
        from fanzha_cli.domain import audit

        audit.record(desk, audit.phones([warning]), "desk")  # before it is shown (SPEC §10)
        show_card(warning_view(desk, warning, full_phone=True))
    out(shift.line(), "dim")
    out(HELP, "dim")
    key = keys.key() if warning is not None else _idle(keys, desk, signal)
    if key not in (None, "q", WOKEN):
        try:
            _act(desk, key, keys, shift, warning=warning, found=found)
        except DatabaseUnreachable:
            raise
        except FanzhaError as exc:
            err(f"fanzha: {exc}", "bold red")
    return key


def _reconnect(session, lost, keys: "Keys"):
    """The store again, and its signal, once the database answers: tried at once, then on each key or every
    POLL_SECONDS on a terminal; (None, None) if the officer quits first. What was stored before is all there (each
    act is one transaction); the warning in hand is still the officer's."""
    with suppress(Exception):
        lost.close()  # a connection the server dropped: nothing to keep
    said = False
    while True:
        try:
            store = session.open_store()
        except DatabaseUnreachable:
            if not said:
                out("Waiting for the database: it is tried again every few seconds and on any key; q quits.", "yellow")
                said = True
            key = keys.key(timeout=POLL_SECONDS)  # piped keys: the next one, whenever it comes
            if key in (None, "q"):
                return None, None
            continue
        out("The database answers again: the shift goes on.", "green")
        return store, (store.work_signal() if keys.terminal else None)


WOKEN = ""  # no key: new work came to an idle desk
WOKEN_CHAR = None  # what _read_char gives for it
POLL_SECONDS = 5.0  # an idle desk looks again this often when its engine cannot tell it (or a notice was lost)


def _idle(keys: "Keys", desk: Desk, signal: int | None) -> str | None:
    """Wait, with nothing due, for a key or for work: an import by another desk (the engine's signal, at once on
    PostgreSQL), a retry falling due or another desk's hold gone stale (the poll), silently again while there is
    still nothing to take."""
    from datetime import datetime

    look = signal is not None and desk.store.clear_signal()  # a notice that came while the desk was busy
    while True:
        if look and desk.work_waiting(datetime.now()):
            return WOKEN
        key = keys.key(wake=signal, timeout=POLL_SECONDS)
        if key != WOKEN:
            return key
        if signal is not None:
            desk.store.clear_signal()
        look = True


class Keys:
    """Single keys from a terminal in cbreak mode, else characters from standard input; None at the end."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        self.terminal = self.stream.isatty()

    def key(self, *, wake: int | None = None, timeout: float | None = None) -> str | None:
        """The next key; with ``timeout``, WOKEN after it (or as soon as ``wake`` is readable) if no key came."""
        while True:
            char = self._read_char(wake, timeout)
            if char is WOKEN_CHAR:
                return WOKEN
            if not char:
                return None
            if not char.isspace():
                return char.lower()

    def line(self, prompt: str) -> str:
        """A line of text (a note). Piped keys may end their line after the key: then the text is the next one."""
        print(prompt, end="", flush=True)
        text = self.stream.readline()
        if not self.terminal and not text.strip() and text.endswith("\n"):
            text = self.stream.readline()
        return text.strip()

    def _read_char(self, wake: int | None = None, timeout: float | None = None) -> str | None:
        if not self.terminal:
            return self.stream.read(1)
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            # The wait too: a key is there to see the moment it is pressed. TCSANOW, not the default TCSAFLUSH,
            # which would throw away the keys an officer typed ahead while the card was being drawn.
            tty.setcbreak(fd, termios.TCSANOW)
            if timeout is not None and not self._ready(wake, timeout):
                return WOKEN_CHAR
            char = self.stream.read(1)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        return "" if char == "\x04" else char  # Ctrl-D ends the shift too

    def _ready(self, wake: int | None, timeout: float) -> bool:
        """Whether a key is there to read, waiting at most ``timeout`` seconds or until ``wake`` is readable."""
        import select

        readable, _, _ = select.select([self.stream, *([wake] if wake is not None else [])], [], [], timeout)
        return self.stream in readable


class Shift:
    """The shift's tally, with a stack of what each act counted so that undo takes it back."""

    def __init__(self):
        self.tally: Counter = Counter()
        self._counted: list[list[str]] = []

    def count(self, *names: str) -> None:
        self.tally.update(names)
        self._counted.append(list(names))

    def uncount(self) -> None:
        if self._counted:
            self.tally.subtract(self._counted.pop())

    def line(self) -> str:
        calls = sum(self.tally[name] for name in OUTCOME_KEYS.values())
        return (
            f"本班 shift: {counted(calls, 'call')} — {self.tally['reached']} reached,"
            f" {self.tally['unreachable']} unreachable,"
            f" {self.tally['distrustful']} distrustful · {self.tally['escalated']} escalated"
            f" · {self.tally['skipped']} skipped"
        )


def _act(desk: Desk, key: str, keys: Keys, shift: Shift, *, warning: dict | None, found: list[dict]) -> None:
    has_warning = warning is not None
    if key in ("/", "t", "p"):
        _find_take_or_stop(desk, key, keys, shift, warning, found)
        return
    if key == "r" and has_warning and warning["risk_level"] >= 2 and not warning["escalated_at"]:
        # SPEC §3: allowed, but asked first: a high or urgent warning goes to its station too
        print("未移交派出所 not handed to its station yet — close it as dissuaded by phone? y/N ", end="", flush=True)
        answer = keys.key() or ""  # one key, as everywhere in the desk
        print()
        if answer not in ("y", "是"):
            out("not logged: `e` hands it to its station first, then `r`")
            return
    if key in OUTCOME_KEYS:
        result = desk.log(OUTCOME_KEYS[key])
        report_log(desk, result)
        shift.count(result["outcome"], *(["escalated"] if result["escalated_to"] else []))
    elif key == "e":
        result = desk.escalate()
        out(f"{result['warning']}: handed to {result['station']} via {', '.join(result['channels'])}", "bold")
        shift.count("escalated")
    elif key == "s":
        result = desk.release()
        out(f"{result['warning']}: back in the queue")
        shift.count("skipped")
    elif key == "n":
        if not has_warning:
            raise FanzhaError("nothing in hand to note")
        text = keys.line("备注 note: ")
        if text:
            out(f"{desk.note(text)['warning']}: note added")
            shift.count()
    elif key == "z":
        result = desk.undo()
        report_undo(result)
        shift.uncount()
    elif has_warning or key not in "rudesnz":
        err(f"unknown key '{key}': {HELP}", "yellow")


def _find_take_or_stop(desk: Desk, key: str, keys: Keys, shift: Shift, warning: dict | None, found: list[dict]) -> None:
    """`/` finds a person who calls back, `t` takes what was found, `p` asks a bank to stop a payment."""
    if key == "/":
        text = keys.line("查找 find (phone, its last four digits, name or id): ")
        rows, _ = desk.find(text, limit=10) if text else ([], False)
        found[:] = rows
        for row in rows:
            out(f"  {row['id']}  {row['time'][:16]}  {row['status']}  {row['name']}  {mask_phone(row['phone'])}")
        out(f"{len(rows)} found: `t` takes {'it' if len(rows) == 1 else 'one of them'}" if rows else "nothing found")
    elif key == "t":
        wanted = found[0]["id"] if len(found) == 1 else keys.line("接手 take which id (or its last digits): ")
        if wanted:
            from fanzha_cli.cli.find import report_take

            report_take(desk.take(wanted))
            found.clear()
            shift.count()  # nothing to tally, but `z` undoes this act, not the one before
    else:
        if warning is None:
            raise FanzhaError("nothing in hand to stop a payment for")
        from fanzha_cli.cli.stoppay import report_request
        from fanzha_cli.domain import stoppay

        answers = []
        for prompt in ("银行 bank: ", "收款账户 account: ", "金额 amount (450000, 45万): "):
            answers.append(keys.line(f"{prompt}(empty: cancel) "))
            if not answers[-1]:
                out("止付 cancelled: nothing recorded")
                return
        bank, account, amount = answers
        made = stoppay.request(desk, warning["id"], bank=bank, account=account, amount=amount)
        report_request(desk, made, "desk")
        shift.count()
