"""What the ranking sees in a recording: binarised cues and the events found in them (issue 5, ../shared/DOMAIN.md).

:class:`Cues` holds one recording's (T,) masks on the signals' ticks and its discrete events (:class:`Response`,
:class:`SharedLaugh`, :class:`TurnEvent`); :func:`attribution` says how surely an act belongs to the person the roles
say. :func:`vigclips.scoring.principles.compute_cues` builds them, :mod:`vigclips.scoring.events` finds the events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

_TURN_WEIGHT_ORIENTED = 1.0
"""Weight of a contingent turn whose responder was seen looking at the initiator (being turned to the partner
strengthens a turn, issue 11)."""
_TURN_WEIGHT_CONTINGENT = 0.8
"""Weight of a contingent turn whose responder's orientation was not seen to be towards the initiator."""
_TURN_WEIGHT_OTHER = 0.5
"""Weight of a turn that was not contingent (slow, or the responder was seen turned elsewhere)."""


@dataclass(frozen=True, slots=True)
class TurnEvent:
    """One vocal turn: an initiative by one partner answered by the other.

    ``initiator`` is ``"ADULT"`` or ``"INFANT"``; times in seconds; ``contingent`` means prompt (within
    ``response_window_s``) and the responder not seen turned to someone or something else; ``oriented`` that the
    responder was seen looking at the initiator (None: not known).
    """

    initiator: str
    initiative_start_s: float
    initiative_end_s: float
    response_start_s: float
    response_end_s: float
    latency_s: float
    contingent: bool
    oriented: bool | None = None

    @property
    def weight(self) -> float:
        """How much the turn counts as serve and return (module constants ``_TURN_WEIGHT_*``)."""
        if not self.contingent:
            return _TURN_WEIGHT_OTHER
        return _TURN_WEIGHT_ORIENTED if self.oriented else _TURN_WEIGHT_CONTINGENT


@dataclass(frozen=True, slots=True)
class Response:
    """A baby initiative answered by the parent (the "receiving" principle).

    ``initiative`` and ``response`` are sets of cue kinds: ``look``, ``smile``, ``voice``; ``weight`` is 1 for a
    response directed at the baby, lower otherwise (see the constants of :mod:`vigclips.scoring.events`), times
    ``role_certainty``.
    """

    initiative_tick: int
    response_tick: int
    initiative: frozenset[str]
    response: frozenset[str]
    latency_s: float
    weight: float
    role_certainty: float = 1.0
    """How sure the roles behind this event are (:func:`attribution`); already folded into ``weight``."""
    parent_orientation: str = "unknown"
    """What was seen of the parent as they answered: ``"at baby"`` (looking at the baby), ``"elsewhere"`` (seen looking
    somewhere else) or ``"unknown"`` (where the parent looked was not seen)."""


@dataclass(frozen=True, slots=True)
class SharedLaugh:
    """The baby laughs and the parent laughs or smiles along within ``cfg.shared_laugh_window_s`` (shared fun).

    ``along`` is ``"laughed"`` or ``"smiled"``; ``latency_s`` from the baby's laugh onset to the parent's (0 when the
    parent was already laughing or smiling); a smile counts ``role_certainty`` (a laugh is heard, not seen).
    """

    laugh_tick: int
    along_tick: int
    along: str
    latency_s: float
    weight: float


@dataclass(slots=True)
class Cues:
    """Binarised channels and events of one recording, on the signals' ticks.

    Masks are (T,) bool. ``measured`` names the cue families that have any finite value in the recording:
    ``faces``, ``gaze``, ``smile``, ``voice``, ``cry``.
    """

    tick_s: float
    n_ticks: int
    measured: frozenset[str]
    infant_seen: NDArray[np.bool_]
    adult_seen: NDArray[np.bool_]
    infant_look: NDArray[np.bool_]
    adult_look: NDArray[np.bool_]
    mutual: NDArray[np.bool_]
    infant_smile: NDArray[np.bool_]
    adult_smile: NDArray[np.bool_]
    adult_voice: NDArray[np.bool_]
    infant_voice: NDArray[np.bool_]
    cry: NDArray[np.bool_]
    infant_elsewhere: NDArray[np.bool_] | None = None
    """(T,) the baby seen turned to someone or something other than the parent (None: not measured)."""
    adult_elsewhere: NDArray[np.bool_] | None = None
    """(T,) the parent seen turned to someone or something other than the baby (None: not measured)."""
    adult_gaze_seen: NDArray[np.bool_] | None = None
    """(T,) where the parent looked is known (``adult_looks_at_infant`` measured at that tick; None: not measured)."""
    infant_gaze_eyes: NDArray[np.bool_] | None = None
    """(T,) the baby's gaze direction came from the eyes, not from the head's orientation alone (``infant_gaze_from_eyes``;
    None: not measured, and looks are then told as looks). ``adult_gaze_eyes`` likewise for the parent."""
    adult_gaze_eyes: NDArray[np.bool_] | None = None
    responses: list[Response] = field(default_factory=list)
    infant_laugh: NDArray[np.bool_] | None = None
    """Baby laughing (``infant_laugh`` channel); None when not measured. ``adult_laugh`` likewise for the parent."""
    adult_laugh: NDArray[np.bool_] | None = None
    adult_ids: NDArray[np.bool_] | None = None
    """Parent speaking in an infant-directed, sing-song voice (``adult_ids`` on, while the parent speaks)."""
    shared_laughs: list[SharedLaugh] = field(default_factory=list)
    encouraged_ticks: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    encouraged_weights: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    turns: list[TurnEvent] = field(default_factory=list)
    role_certainty: NDArray[np.float64] | None = None
    """(T,) 0–1: how sure the vision stage is which face is the baby (None when roles were not measured)."""
    adult_to_camera: NDArray[np.bool_] | None = None
    """(T,) the parent seen turned to the camera, not to the baby (None: the parent's gaze direction not measured)."""
    smiled_together: NDArray[np.bool_] | None = None
    """(T,) both smiling while turned to each other, within ``shared_smile_window_s`` of each other's smile
    (:func:`vigclips.scoring.events.smiled_together`); None: not worked out, both smiling at the same tick counts."""

    @property
    def shared_smile(self) -> NDArray[np.bool_]:
        """Smiling together (:attr:`smiled_together`), or both smiling at the same tick where that was not worked out."""
        if self.smiled_together is not None:
            return self.smiled_together
        return self.infant_smile & self.adult_smile

    @property
    def both_seen(self) -> NDArray[np.bool_]:
        """Both faces seen at the same tick."""
        return self.infant_seen & self.adult_seen


def attribution(cues: Cues, tick: int, kinds: frozenset[str]) -> float:
    """How sure it is that an act of the kinds ``kinds`` at ``tick`` was made by the person the roles say (0–1).

    A vocalisation is told infant or adult by the audio stage (pitch, vocal type), whatever the faces; a look or a
    smile is the baby's or the parent's only as surely as the vision stage knows which face is the baby
    (:attr:`Cues.role_certainty` at that tick). So an act that includes a voice counts as certain; a look or smile
    alone counts with the role certainty. Two adults looking at each other, one taken for the baby, then do not make
    "baby initiatives".
    """
    if "voice" in kinds or cues.role_certainty is None or cues.n_ticks == 0:
        return 1.0
    return float(cues.role_certainty[min(max(tick, 0), cues.n_ticks - 1)])
