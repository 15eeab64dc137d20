"""The desk's workflow (SPEC §3): taking warnings, call outcomes, escalation, visits, release, notes and undo.

Every function here is one transaction: it reads the warning, decides its new state and the events that record
the change, and writes both together. An act (one command of the officer) may write several events, e.g. a call
that went unanswered is a call, an SMS and perhaps an escalation; undo reverses an act as a whole, from the
snapshot of the warning kept on its first event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fanzha_cli.domain import settings as settings_module
from fanzha_cli.domain.errors import DeskError, FanzhaError  # noqa: F401 (DeskError: the desk's own, raised here)
from fanzha_cli.domain.model import EDITABLE, LIMITS, WARNING_STATE
from fanzha_cli.domain.script import sms_text
from fanzha_cli.domain.values import format_time, is_control, normalize_id, risk_name, storable
from fanzha_cli.domain.vocab import CHANNEL_WORDS, CHANNELS, OUTCOME_WORDS, VISIT_WORDS, word_key

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store


def read_word(kind: str, table: dict[str, str], text: str) -> str:
    """``word_key``, or a DeskError naming the words there are."""
    key = word_key(table, text)
    if key is None:
        choices = sorted(set(table.values()))
        raise DeskError(f"unknown {kind} '{text}': use one of {', '.join(choices)} (or the Chinese word)")
    return key


def read_channels(text: str | None) -> list[str]:
    """``--via``: every channel when it is not given; an empty one is a mistake, not 'all'."""
    if text is None:
        return list(CHANNELS)
    found = [read_word("channel", CHANNEL_WORDS, part) for part in text.replace("，", ",").split(",") if part.strip()]
    return [channel for channel in CHANNELS if channel in found]


class Desk:
    """One officer at the desk, at one moment (``now``)."""

    def __init__(self, store: Store, officer: str, now: datetime | None = None):
        self.store = store
        self.officer = officer
        self.now = now or datetime.now()
        self._settings: dict | None = None

    @property
    def settings(self) -> dict:
        if self._settings is None:
            self._settings = settings_module.load(self.store)
        return self._settings

    # --- reading -------------------------------------------------------------------------------------------

    def in_hand(self) -> dict | None:
        return self.store.held_by(self.officer)

    def get(self, warning_id: str) -> dict:
        # as given first: an id read back from the database (or stored by a release that kept invisible characters)
        typed = storable(warning_id)  # a byte of a command line that is not UTF-8: no id, and no store can take it
        warning = self.store.get_warning(typed) or self.store.get_warning(normalize_id(typed))
        if warning is None:
            # else the one id it is a tail of, any case (SPEC §3: `0008` for WH202611240000008); several: refused
            from fanzha_cli.domain.finding import by_id_tail

            warning = by_id_tail(self.store, typed)
        if warning is None:
            short = " (an id's tail needs at least 4 characters)" if len(normalize_id(typed)) < 4 else ""
            raise DeskError(f"no warning '{warning_id}'{short}")
        return warning

    # --- acts ----------------------------------------------------------------------------------------------

    def take_next(self) -> tuple[dict | None, bool]:
        """The warning in hand, or the most urgent due one, taken now; and whether it was taken just now."""
        with self.store.transaction(durable=False):  # a take lost in a power cut just returns to the queue
            now = format_time(self.now)
            self._reclaim_stale_holds(now)
            held = self.in_hand()
            if held is not None:
                return held, False
            warning_id = self.store.take_head(self.officer, now)
            if warning_id is None:
                return None, False
            self.store.add_events([self.event(warning_id, "take", at=now)])
            return self.get(warning_id), True

    def work_waiting(self, now: datetime) -> bool:
        """Whether a take at ``now`` would hand something: the queue's head due then, or another desk's hold gone
        stale, which the take reclaims first (an idle desk looks with this, so that a stranded warning wakes it)."""
        cutoff = format_time(now - timedelta(minutes=self.settings["reclaim_minutes"]))
        return bool(self.store.queue_head(format_time(now)) or self.store.stale_holds(cutoff))

    def _reclaim_stale_holds(self, now: str) -> None:
        """SPEC §3: a hold is a lease; a desk that crashed or walked away never strands a warning."""
        cutoff = format_time(self.now - timedelta(minutes=self.settings["reclaim_minutes"]))
        for stale in self.store.stale_holds(cutoff):
            self.store.set_state(stale["id"], self.way_back(self.get(stale["id"]), now))
            self.store.add_events([self.event(stale["id"], "reclaimed", at=now, holder=stale["holder"])])

    def way_back(self, held: dict, at: str) -> dict:
        """Where a warning in hand goes when it leaves the hand without a call logged (release, reclaim, a take of
        another): closed if its station dissuaded the person meanwhile, back with its station if `take` took it
        from there, else in the queue at its place, due at once."""
        free = {"holder": None, "held_since": None}
        if held["visit_result"] == "dissuaded":
            return free | {"status": "closed", "closed_at": at}
        if held["escalated_at"] and self._taken_from(held["id"]) == "escalated":
            return free | {"status": "escalated", "due_at": None}
        return free | {"status": "retry" if held["attempts"] else "new", "due_at": None}

    def _taken_from(self, warning_id: str) -> str | None:
        """The status a warning had when `take` last took it (None: taken by `next`, which keeps none)."""
        details = self.store.last_take_details(warning_id)
        return _json().loads(details).get("before", {}).get("status") if details else None

    def log(self, outcome: str, warning_id: str | None = None, *, note: str | None = None, at: str | None = None):
        """A call outcome, with what it entails: the SMS, the retry time, an escalation."""
        outcome = read_word("call outcome", OUTCOME_WORDS, outcome)
        with self.store.transaction():
            warning = self._target(warning_id, "log a call")
            self._refuse_closed(warning)
            self._refuse_others_hand(warning)
            at = self.when(at, warning)
            events = [self.event(warning["id"], "call", at=at, outcome=outcome, note=note)]
            first = warning["first_call_at"] is None or at < warning["first_call_at"]  # this call is the first made
            first_call = (at, self.officer) if first else (warning["first_call_at"], warning["first_call_by"])
            state = {"holder": None, "held_since": None, "due_at": None}
            state |= dict(zip(("first_call_at", "first_call_by"), first_call, strict=True))
            result = {"warning": warning["id"], "outcome": outcome, "sms": None, "escalated_to": None}
            if outcome == "unreachable":
                state["attempts"] = warning["attempts"] + 1
            if warning["visit_result"] == "dissuaded":
                # the station dissuaded the person while this call was open: nothing is left to do
                state |= {"status": "closed", "closed_at": at}
            elif outcome == "reached":
                with_station = warning["escalated_at"] is not None  # and it has not reported 'dissuaded'
                state |= {"status": "escalated"} if with_station else {"status": "closed", "closed_at": at}
                # allowed (the person was dissuaded), but SPEC §3 has every high/urgent one go to its station
                result["never_handed_over"] = not with_station and warning["risk_level"] >= 2
            elif outcome == "unreachable":
                result["sms"] = sms_text(warning, self.settings["district"])
                events.append(self.event(warning["id"], "sms", at=at, text=result["sms"]))
                out_of_queue = warning["escalated_at"] and self._taken_from(warning["id"]) == "escalated"
                if warning["risk_level"] >= 2 or state["attempts"] >= self.settings["max_attempts"] or out_of_queue:
                    level = warning["risk_level"]
                    why = f"{risk_name(level)} risk, not reached" if level >= 2 else f"{state['attempts']} calls"
                    state |= self._out_of_the_call_queue(warning, at, events, why)
                else:
                    due = datetime.fromisoformat(at) + timedelta(minutes=self.settings["retry_minutes"])
                    state |= {"status": "retry", "due_at": format_time(max(due, self.now))}
            else:  # distrustful
                state |= self._out_of_the_call_queue(warning, at, events, "distrustful")
            if state.get("escalated_to"):
                result["escalated_to"] = state["escalated_to"]
            self._commit(warning, events, state)
            return result | {"status": state["status"]}

    def _out_of_the_call_queue(self, warning: dict, at: str, events: list, why: str) -> dict:
        """SPEC §3: the warning now waits for its station's visit; it is handed over unless it already was."""
        if warning["escalated_at"]:
            return {"status": "escalated", "due_at": None}
        events.append(self._escalation(warning, at, warning["station"], list(CHANNELS), auto=why))
        return {"status": "escalated", "due_at": None, **self._hand_over(warning, warning["station"], at)}

    @staticmethod
    def _hand_over(warning: dict, station: str, at: str) -> dict:
        """A station takes the warning: its clock for a visit result starts now. The station that had it before
        still sees it (in centre mode its login reads what it passed on, SPEC §9)."""
        before = warning["escalated_to"] if warning["escalated_to"] not in (None, station) else warning["moved_from"]
        return {
            "moved_from": before,
            "escalated_to": station,
            "escalated_at": warning["escalated_at"] or at,
            "station_since": at,
            "visit_result": None,
            "acked_at": None,  # the station taking it acknowledges it anew
        }

    def escalate(
        self,
        warning_id: str | None = None,
        *,
        station: str | None = None,
        via: str | None = None,
        note: str | None = None,
        at: str | None = None,
    ) -> dict:
        """Hand a warning to a station. The call goes on: a warning in hand stays in hand."""
        channels = read_channels(via)
        if not channels:
            raise DeskError("--via names no channel: use platform, wechat and/or phone")
        with self.store.transaction():
            warning = self._target(warning_id, "escalate")
            self._refuse_closed(warning)
            at = self.when(at, warning)
            station = self._station(station, warning) if station else warning["escalated_to"] or warning["station"]
            state = {}
            if warning["escalated_to"] != station or not warning["escalated_at"]:
                state = self._hand_over(warning, station, at)
            self._commit(warning, [self._escalation(warning, at, station, channels, note=note)], state)
            return {"warning": warning["id"], "station": station, "channels": channels, "status": warning["status"]}

    def visit(
        self,
        warning_id: str,
        result: str,
        *,
        to: str | None = None,
        note: str | None = None,
        at=None,
        by_station: str | None = None,
    ):
        """The station's report: dissuaded closes the warning, not-found counts an attempt, moved passes it on.
        ``by_station``, when the reporting station is known (--station), must be the one that has the warning."""
        result = read_word("visit result", VISIT_WORDS, result)
        if result == "moved" and not to:
            raise DeskError("a 'moved' visit needs --to STATION: the station that takes it over")
        if to and result != "moved":
            raise DeskError("--to goes with the result 'moved'")
        with self.store.transaction():
            warning, at = self._at_station(warning_id, by_station, at, "escalate it first")
            station = self._station(to, warning) if to else warning["escalated_to"]
            if result == "moved" and station == warning["escalated_to"]:
                raise DeskError(
                    f"{warning['id']} is with {station} already: `moved --to` names the station taking it over"
                )
            # the reporting station, which a move names as the one it came from (the event's station is the new one)
            came_from = warning["escalated_to"] if result == "moved" else None
            events = [
                self.event(
                    warning["id"], "visit", at=at, outcome=result, station=station, note=note, moved_from=came_from
                )
            ]
            # a station that reports a visit has the hand-over: it counts as acknowledged (and is counted so), if it
            # had not acknowledged
            acked = {}
            if not warning["acked_at"]:
                acked = {"acked_at": at}
                handed = warning["station_since"]
                by = warning["escalated_to"]
                events.append(self.event(warning["id"], "ack", at=at, station=by, handed_at=handed, by="visit"))
            if result == "dissuaded":
                # a call still in hand is left to finish; its outcome then closes the warning
                in_hand = warning["status"] == "taken"
                state = acked | {"visit_result": result} | ({} if in_hand else {"status": "closed", "closed_at": at})
            elif result == "not-found":
                state = acked | {"visit_result": result, "visits": warning["visits"] + 1, "station_since": at}
            else:
                state = self._hand_over(warning, station, at)
            self._commit(warning, events, state)
            return {"warning": warning["id"], "result": result, "station": station, "status": _status(warning, state)}

    def ack(self, warning_id: str, *, station: str | None = None, at: str | None = None) -> dict:
        """The station has received the hand-over (签收, SPEC §9): the minutes since it was handed over are measured.
        ``station``, when the acknowledging station is known (--station), must be the one that has the warning."""
        with self.store.transaction():
            warning, at = self._at_station(warning_id, station, at, "there is nothing to acknowledge")
            if warning["acked_at"]:
                by, at_time = warning["escalated_to"], warning["acked_at"]
                raise DeskError(f"{warning['id']} was acknowledged by {by} at {at_time} already")
            handed = warning["station_since"]
            event = self.event(warning["id"], "ack", at=at, station=warning["escalated_to"], handed_at=handed)
            self._commit(warning, [event], {"acked_at": at})
            from fanzha_cli.domain.report import minutes, minutes_of  # minutes to a tenth, as the summary gives them

            seconds = round((datetime.fromisoformat(at) - datetime.fromisoformat(handed)).total_seconds())
            waited = minutes(minutes_of(seconds))
            return {"warning": warning["id"], "station": warning["escalated_to"], "minutes": waited}

    def _at_station(self, warning_id: str, by_station: str | None, at: str | None, otherwise: str) -> tuple[dict, str]:
        """The warning a station reports on, and when: open, handed to a station (else ``otherwise`` says what to
        do), that station if the one acting is known, and not before the station had it."""
        warning = self.get(warning_id)
        self._refuse_closed(warning)
        if not warning["escalated_at"] or not warning["station_since"]:
            raise DeskError(f"{warning['id']} was never handed to a station: {otherwise}")
        self._refuse_other_station(warning, by_station)
        at = self.when(at, warning)
        if at < warning["station_since"]:
            raise DeskError(f"--at {at} is before the station had it ({warning['station_since']})")
        return warning, at

    def _refuse_other_station(self, warning: dict, station: str | None) -> None:
        """A station acts only on what was handed to it (on one file a convention, SPEC §9)."""
        if station is not None and warning["escalated_to"] != station:
            where = f"with {warning['escalated_to']}" if warning["station_since"] else "not with any station"
            raise DeskError(f"{warning['id']} is {where}, not {station}")

    def release(self, warning_id: str | None = None, *, at: str | None = None) -> dict:
        """Put a warning in hand back in the queue, due at once (or close it, if its station has dissuaded)."""
        with self.store.transaction():
            warning = self._target(warning_id, "release")
            if warning["status"] != "taken":
                raise DeskError(f"{warning['id']} is not in anyone's hand")
            at = self.when(at, warning)
            state = self.way_back(warning, at)
            event = self.event(warning["id"], "release", at=at, holder=warning["holder"])
            self._commit(warning, [event], state)
            until = self.now + timedelta(minutes=self.settings["skip_minutes"])
            self.store.skip(self.officer, warning["id"], format_time(self.now), format_time(until))
            return {"warning": warning["id"], "holder": warning["holder"], "status": state["status"]}

    def note(self, text: str, warning_id: str | None = None, *, at: str | None = None) -> dict:
        if not text.strip():
            raise DeskError("the note is empty")
        with self.store.transaction():
            warning = self._target(warning_id, "add a note")
            self._commit(warning, [self.event(warning["id"], "note", at=self.when(at, warning), note=text)], {})
            return {"warning": warning["id"]}

    def edit(
        self, warning_id: str, fields: dict[str, str | None], *, note: str | None = None, at: str | None = None
    ) -> dict:
        """Correct what the platform sent (SPEC §3): each value checked as the import checks it, the fields that
        differ written, and one 'edit' event keeping the old and new value of each (its snapshot is what undo
        puts back). A closed warning may be corrected too: the correction is for the report."""
        given = {key: value for key, value in fields.items() if value is not None}
        if not given:
            raise DeskError("nothing to edit: give --phone, --name, --station, --address and/or --fraud-type")
        if note is not None and not note.strip():
            raise DeskError("the note is empty")
        with self.store.transaction():
            warning = self.get(warning_id)
            at = self.when(at, warning)
            values, unlisted = self._edit_values(given)
            changed = {key: value for key, value in values.items() if value != warning[key]}
            result = {
                "warning": warning["id"],
                "changes": {key: {"old": warning[key], "new": value} for key, value in changed.items()},
                "unchanged": [key for key in values if key not in changed],
                "unlisted_station": unlisted if "station" in changed else None,
            }
            if changed:
                before = {key: warning[key] for key in changed}
                event = self.event(warning["id"], "edit", at=at, changes=result["changes"], note=note, before=before)
                self.store.set_state(warning["id"], changed, edit=True)
                self.store.add_events([event])
            return result

    def _edit_values(self, given: dict[str, str]) -> tuple[dict, str | None]:
        """The values as the import would store them (stripped; a phone normalised; a short station name made the
        listed full name), or a DeskError with the import's reason; and the station, if it is not in the list."""
        from fanzha_cli.domain.values import mask_numbers, parse_phone
        from fanzha_cli.files.stations import StationDirectory

        values, unlisted = {}, None
        for key in EDITABLE:
            if key not in given:
                continue
            option = "--" + key.replace("_", "-")
            value = given[key].strip()
            odd = next((ch for ch in value if is_control(ch)), None)
            if odd is not None and key != "address":
                raise DeskError(f"{option}: holds a line break or control character (U+{ord(odd):04X}); one line only")
            limit = LIMITS[key]
            if key != "phone" and len(value) > limit:
                raise DeskError(f"{option}: holds {len(value):,} characters, more than {limit:,}")
            if key == "phone":
                try:
                    value = parse_phone(value)
                except ValueError as exc:
                    raise DeskError(f"{option}: {mask_numbers(str(exc))}") from None
            elif key == "name" and not value:
                raise DeskError(f"{option}: the name is empty")
            elif key == "station":
                if not value:
                    raise DeskError(f"{option}: the police station is empty")
                listed = StationDirectory.load(self.store).listed(value)
                unlisted = None if listed else value
                value = listed or value  # an unlisted station is kept as written, as the import keeps it
            elif key in ("address", "fraud_type"):
                value = value or None  # an empty value clears it, as an empty cell imports as nothing
            values[key] = value
        return values, unlisted

    def undo(self, *, dry_run: bool = False) -> dict:
        """Reverse this officer's last act that still stands, unless someone has acted on the warning since.

        What the act changed goes back to what it was (for an edit, the fields it corrected); a take of the same
        warning since then stands (the warning stays in hand). One warning in hand per officer: a warning undo
        puts back in this officer's hand sends the one taken since back to the queue; one it would put back in
        another officer's busy hand is refused. ``dry_run``: what it would reverse, refused alike, nothing changed.
        """
        with self.store.rehearsal() if dry_run else self.store.transaction():
            plan = self._plan_undo()
            if not dry_run:
                self._apply_undo(plan)
            return plan["result"] | {"dry_run": dry_run}

    def _plan_undo(self) -> dict:
        """What undo would do, from reads alone; every refusal is made here, so that a dry run says the same."""
        last = self.store.last_act(self.officer)
        if last is None:
            raise DeskError("nothing to undo")
        warning = self.get(last["warning_id"])
        retaken = self._later_takes(last)
        details = _json().loads(last["details"]) if last["details"] else {}
        before = details.get("before", {})
        restore = {key: value for key, value in before.items() if key in WARNING_STATE}
        if retaken:
            restore = {key: value for key, value in restore.items() if key not in ("status", "holder", "held_since")}
        fields = {}
        if last["action"] == "edit":
            fields = {key: value for key, value in before.items() if key in EDITABLE}
        displaced = self._room_for(warning, restore)
        return {
            "last": last,
            "warning": warning,
            "details": details,
            "restore": restore,
            "fields": fields,
            "displaced": displaced,
            "result": {
                "warning": warning["id"],
                "undid": last["action"],
                "outcome": last["outcome"],
                "status": restore.get("status", warning["status"]),
                "changed": restore.get("status", warning["status"]) != warning["status"],  # said as "it is X again"
                "request": details.get("request"),
                "released": displaced and displaced["id"],
                "released_to": displaced and self.way_back(displaced, format_time(self.now))["status"],
                "restored": {key: {"now": warning[key], "back_to": value} for key, value in fields.items()},
            },
        }

    def _apply_undo(self, plan: dict) -> None:
        """The writes of a planned undo: the state (and an edit's fields) back, the undo event, a hand freed."""
        last, warning, details = plan["last"], plan["warning"], plan["details"]
        if "request" in details:
            self._undo_stop_payment(details)
        now = format_time(self.now)
        events = [self.event(warning["id"], "undo", at=now, undid=last["action"], outcome=last["outcome"])]
        held = plan["displaced"]
        if held is not None:
            self.store.set_state(held["id"], self.way_back(held, now))
            events.append(self.event(held["id"], "release", at=now, holder=self.officer))
        self.store.set_state(warning["id"], plan["restore"] | plan["fields"], edit=bool(plan["fields"]))
        self.store.add_events(events, undoes=last["id"])

    def _undo_stop_payment(self, details: dict) -> None:
        """A request made is withdrawn; a result recorded goes back to the request waiting for the bank; a hold
        extended, frozen or released goes back to what it was."""
        if "before_hold" in details:  # an extension, a freeze or a release
            self.store.set_stop_payment_hold(details["request"], details["before_hold"])
        elif "before_request" in details:
            self.store.set_stop_payment_result(details["request"], details["before_request"])
        else:
            self.store.withdraw_stop_payment(details["request"])

    def _later_takes(self, last: dict) -> bool:
        """Refuse if anyone else has acted on the warning since ``last``; say whether this officer took it since."""
        retaken = False
        for event in self.store.standing_events_after(last["warning_id"], last["id"]):
            if event["action"] == "take" and event["officer"] == self.officer:
                retaken = True
                continue
            article = "an" if event["action"][0] in "aeiou" else "a"  # an edit, an escalate
            raise DeskError(
                f"cannot undo the {last['action']} on {last['warning_id']}: {event['officer']} has since"
                f" recorded {article} {event['action']} on it ({event['logged_at']})"
            )
        return retaken

    def _room_for(self, warning: dict, restore: dict) -> dict | None:
        """If undo puts the warning back in someone's hand, that hand must be free: the warning this officer took
        since, which would go back to the queue; another officer's busy hand refuses the undo."""
        holder = restore.get("holder", warning["holder"])
        if restore.get("status", warning["status"]) != "taken" or holder is None:
            return None
        held = self.store.held_by(holder)
        if held is None or held["id"] == warning["id"]:
            return None
        if holder != self.officer:
            raise DeskError(f"cannot undo: {warning['id']} would go back to {holder}, who holds {held['id']} now")
        return held

    # --- helpers -------------------------------------------------------------------------------------------

    def _target(self, warning_id: str | None, doing: str) -> dict:
        if warning_id:
            return self.get(warning_id)
        held = self.in_hand()
        if held is None:
            raise DeskError(f"nothing in hand to {doing}: run `fanzha next`, or name the warning")
        return held

    def _refuse_closed(self, warning: dict) -> None:
        if warning["status"] == "closed":
            raise DeskError(f"{warning['id']} is already closed ({warning['closed_at']})")

    def _refuse_others_hand(self, warning: dict) -> None:
        if warning["status"] == "taken" and warning["holder"] != self.officer:
            raise DeskError(f"{warning['id']} is in {warning['holder']}'s hand")

    def _station(self, name: str, warning: dict) -> str:
        """One rule for every station typed: a listed one (by its full or short name), or the warning's own as the
        platform sent it, listed or not; anything else is a typo until `stations add` says otherwise."""
        from fanzha_cli.files.stations import StationDirectory

        directory = StationDirectory.load(self.store)
        full = directory.canonical(name.strip())
        if full not in directory.known and full != warning["station"]:
            raise DeskError(f"'{name}' is not in the station list (see `fanzha stations`; add it with `stations add`)")
        return full

    def when(self, at: str | None, warning: dict) -> str:
        """When the action was done: now, or an earlier time the officer gives (checked)."""
        if at is None:
            return format_time(self.now)
        if at > format_time(self.now):
            raise DeskError(f"--at {at} is in the future")
        if at < warning["time"]:
            raise DeskError(f"--at {at} is before the warning itself ({warning['time']})")
        return at

    def event(self, warning_id: str, action: str, *, at: str, outcome=None, station=None, channels=None, **details):
        details = {key: value for key, value in details.items() if value is not None}
        return {
            "warning_id": warning_id,
            "at": at,
            "logged_at": format_time(self.now),
            "officer": self.officer,
            "action": action,
            "outcome": outcome,
            "station": station,
            "channels": ",".join(channels) if channels else None,
            "details": _json().dumps(details, ensure_ascii=False) if details else None,
        }

    def _escalation(self, warning, at: str, station: str, channels: list[str], *, auto=None, note=None) -> dict:
        return self.event(warning["id"], "escalate", at=at, station=station, channels=channels, auto=auto, note=note)

    def _commit(self, warning: dict, events: list[dict], state: dict) -> None:
        """The new state and the act's events together; the first event keeps what the act changed, as it was
        before, for undo."""
        before = {key: warning[key] for key in WARNING_STATE if key in state and state[key] != warning[key]}
        first = events[0]
        details = _json().loads(first["details"]) if first["details"] else {}
        first["details"] = _json().dumps(details | {"before": before}, ensure_ascii=False)
        # the events first: in centre mode a station may record its report only on a warning it still has, and a
        # visit 'moved' passes the warning on (SPEC §9)
        self.store.add_events(events)
        if state:
            self.store.set_state(warning["id"], state)

    # --- find and take (SPEC §3; domain.finding) -----------------------------------------------------------------

    def find(self, text: str, *, limit: int = 20) -> tuple[list[dict], bool]:
        """Warnings by phone (all of it or its last four digits), name or id, newest first; and whether more
        matched (finding.find says also which ids it left out)."""
        from fanzha_cli.domain.finding import find

        found = find(self.store, text, limit=limit)
        return found.rows, found.more

    def take(self, warning_id: str) -> dict:
        """Put this warning in the officer's hand (SPEC §3: the person called back), in one transaction.

        The warning in hand, if any, goes back where it came from: to the queue (a 'release'), or to its station if
        `take` took it from there, or closed if its station has dissuaded the person meanwhile. A warning waiting for
        its station can be taken: it keeps its escalation, and a call logged on it leaves it with the station (a
        `reached`) as before. Refused: a closed warning, one in another officer's hand. The one already in hand: a
        no-op that says so.

        Undo: a take is not an act to undo (SPEC §3), but the release it made is: when it sent a warning back, the
        release comes first in the act, so `undo` puts that warning back in hand and this one back in the queue.
        """
        with self.store.transaction():
            warning = self.get(warning_id)
            result = {
                "warning": warning["id"],
                "was": warning["status"],
                "already": False,
                "released": None,
                "released_status": None,
                "name": warning["name"],
                "phone": warning["phone"],
                "risk_level": warning["risk_level"],
                "escalated_to": warning["escalated_to"],
                "escalated_at": warning["escalated_at"],
                "visit_result": warning["visit_result"],
            }
            if warning["status"] == "closed":
                raise DeskError(
                    f"{warning['id']} is closed ({warning['closed_at']}): there is no call to log on it"
                    f" (`fanzha show {warning['id']}` has its timeline; `fanzha note` adds to it)"
                )
            if warning["status"] == "taken":
                if warning["holder"] == self.officer:
                    return result | {"already": True}
                raise DeskError(
                    f"{warning['id']} is in {warning['holder']}'s hand (since {warning['held_since']}): ask them, or"
                    f" `fanzha release {warning['id']}` puts it back in the queue"
                )
            now = format_time(self.now)
            events = []
            held = self.in_hand()
            if held is not None:
                back = self.way_back(held, now)
                events.append(
                    self.event(held["id"], "release", at=now, holder=self.officer, before=_before(held, back))
                )
                self.store.set_state(held["id"], back)
                result |= {"released": held["id"], "released_status": back["status"]}
            state = {"status": "taken", "holder": self.officer, "held_since": now, "due_at": None}
            events.append(self.event(warning["id"], "take", at=now, before=_before(warning, state)))
            self.store.set_state(warning["id"], state)
            self.store.add_events(events)
            return result


def _json():
    """json, imported on first use: taking a warning (every `next`) writes no details and need not load it."""
    import json

    return json


def _status(warning: dict, state: dict) -> str:
    return state.get("status", warning["status"])


def _before(warning: dict, state: dict) -> dict:
    """What ``state`` changes of the warning, as it was: the snapshot undo restores (as Desk._commit keeps it)."""
    return {key: warning[key] for key in WARNING_STATE if key in state and state[key] != warning[key]}
