"""Tunable settings of the scoring stage: defaults live here and nowhere else (the TOML config's [scoring] table overrides).

Every field is a plain float/int/str/bool so the TOML loader in :mod:`vigclips.config` can build it. Times are seconds;
channel thresholds are on the 0–1 scale the vision and audio stages write.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigclips.errors import ConfigError, check_setting_range


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """Settings of the scoring stage (issue 5).

    Attributes:
        weight_attentive: weight of "being attentive" in the combined score (parent looking at the baby, quiet while
            the baby is active). Weights need not sum to 1; the combined score divides by their sum.
        weight_encouraging: weight of "encouraging initiatives" (a parent pause followed by a baby initiative).
        weight_receiving: weight of "receiving initiatives" (a baby initiative answered by the parent within
            ``response_window_s``).
        weight_developing: weight of "developing attuned interactions" (mutual gaze, shared smiles, vocal turns).
        window_s: length of the sliding window over which per-tick evidence is averaged into window scores.
        min_moment_s: shortest candidate moment (DOMAIN: clips of a few seconds to about half a minute).
        max_moment_s: longest candidate moment: one episode of interaction, as a guider cuts it (issue 22: a few
            seconds to about 15 s; a longer stretch holds several exchanges, and the parent sees none of them well).
        take_gap_s: nothing seen (neither face) and nothing heard for at least this long is a break between takes
            (a joined recording, a camera stopped and started, the picture lost): no exchange runs across it.
        long_pause_s: nobody looking at the other, smiling or making a sound for at least this long ends an exchange.
        turn_away_s: the parent turned to the camera or away from the baby for at least this long, just after being
            turned to the baby, ends an exchange (the guider's clip stops where the parent turns to the camera).
        camera_yaw_deg: the parent's gaze within this many degrees of straight at the camera is "turned to the camera".
        pad_s: lead-in and lead-out added around a moment after snapping, so a clip does not start mid-gesture.
        snap_search_s: how far a boundary may move to reach a natural edge (pause, end of a turn, a look away).
        nms_gap_s: minimum gap between two candidates (temporal non-maximum suppression), so the top N are distinct
            moments spread over the recording. Relaxed to 0 (no overlap) only when the recording has no room otherwise.
        grow_ratio: a moment grows from its peak tick while the combined score's lift above the no-cue floor stays
            above ``grow_ratio`` × the peak's lift; it is then widened to the whole exchange it touches.
        gaze_on: threshold on ``*_looks_at_*`` / ``mutual_gaze`` (0–1) for "looking"; hysteresis turns it off at
            ``gaze_on - hysteresis``.
        smile_on: threshold on ``infant_smile`` / ``adult_smile`` for "smiling".
        voice_on: threshold on ``adult_voice`` / ``infant_voice`` for "vocalising".
        cry_on: threshold on ``infant_cry`` for "crying".
        laugh_on: threshold on ``infant_laugh`` / ``adult_laugh`` for "laughing" (0.5: a bout of four calls or more).
        ids_on: threshold on ``adult_ids`` for "a sing-song, infant-directed voice".
        ids_baby_near_s: a sing-song voice counts (for "encouraging" and its reason) only where a baby is around: seen
            (a face the vision stage is at least fairly sure is the baby's) or heard (its voice, cry or laugh) within this
            many seconds. A lone adult performing in a lively voice is not speaking to a baby (issue 22:
            ``facerec_short_hamilton_clip.mp4``). 2 s: about a phrase; a parent talks to a baby who is just off camera.
        shared_laugh_window_s: a parent laugh or smile starting within this many seconds of the baby's laugh is
            laughing along ("within a moment"; 1 s, half the response window: joining in is faster than answering).
        presence_on: threshold on ``infant_present`` / ``adult_present`` for "face seen".
        hysteresis: distance between the on and off thresholds of the channels above (suppresses flicker).
        min_event_s: shortest on-stretch of a binarised channel that counts as an event (shorter blips are dropped).
        bridge_gap_s: off-gaps shorter than this inside a binarised channel are bridged (a blink does not end a look).
        response_window_s: how soon a parent response must follow a baby initiative to count as "receiving"
            (DOMAIN: within about 1–2 s).
        min_answer_gap_s: a vocal reply counts as an answer only when it starts at least this long after the other
            stopped sounding; one that starts sooner, or while the other is still sounding, is overlap, not an answer
            (issue 22). Voice boundaries are known to about a tick; 0.2 s is about the shortest gap at which people
            take turns.
        shared_smile_window_s: "smiled together" needs both smiling while turned to each other, the one's smile within
            this many seconds of the other's (issue 22: a smile into the camera is not shared; DOMAIN: within 1–2 s).
        pause_before_s: how long the parent must have been silent before a baby initiative for "encouraging"
            (adults answer each other within ~0.2 s; half a second of silence is already waiting for a baby).
        encourage_lookback_s: a pause only counts as *waiting* when the parent looked at the baby during it, or
            spoke within this many seconds before it (a parent who never speaks or looks is not encouraging).
        turn_max_gap_s: largest gap between one speaker's end and the other's start that still makes a vocal turn
            (LENA uses 5 s; we ask for prompt replies). Applied to the audio stage's turns too; its LENA counts in the
            summary keep LENA's rule.
        event_box_s: how long each discrete event (an answered initiative, a turn) counts in the per-tick evidence,
            so that window means measure event density.
        sat_attentive: window mean of the attentive evidence at which the attentive score saturates at 1.
        sat_encouraging: window mean of the encouraging evidence at which its score saturates at 1.
        sat_receiving: window mean of the receiving evidence at which its score saturates at 1.
        sat_developing: window mean of the developing evidence at which its score saturates at 1.
        visibility_weight: how much the combined score depends on both faces being seen (a clip is shown to a
            parent, who must see both faces): the score is multiplied by ``1 − v + v · f``, where ``f`` is the share
            of the window with both faces seen and ``v`` this weight; 0 ignores visibility. Only when faces were
            measured.
        role_weight: how much the combined score depends on the vision stage being sure which face is the baby
            (``role_confidence``: 0.5 a coin toss, 1 sure); two adults or a sibling make reasons about "the baby" wrong.
            The factor is ``1 − r + r · c`` with ``c`` the window's certainty. Separately, a baby look or smile (no
            voice) counts as a baby initiative, and a parent look or smile as a response, only as surely as the roles
            are known at that moment (a voice is told infant or adult by the audio stage). 0 ignores the roles'
            certainty in both.
        face_missing_max_frac: a moment where either face is missing for more than this fraction of its ticks is not
            a candidate (only applied when faces were measured).
        face_role_min_frac: the face-missing rule is applied to a role (baby, parent) only if that face was seen in at
            least this share of the whole recording; below it the detector has evidently failed for that role (e.g.
            an infant face it cannot find), and excluding every moment would leave the guider with nothing. The
            reasons then say so.
        cry_max_frac: a moment where the baby cries for more than this fraction of its ticks is not a candidate.
        weights_file: optional path to learned weights (JSON written by ``vigclips learn``); empty = use the weights
            above. When set, the combined score is the learned logistic model's probability.
    """

    weight_attentive: float = 1.0
    weight_encouraging: float = 1.0
    weight_receiving: float = 1.5
    weight_developing: float = 2.0
    window_s: float = 6.0
    min_moment_s: float = 3.0
    max_moment_s: float = 15.0
    take_gap_s: float = 0.5
    long_pause_s: float = 4.0
    turn_away_s: float = 1.0
    camera_yaw_deg: float = 20.0
    pad_s: float = 0.5
    snap_search_s: float = 1.5
    nms_gap_s: float = 10.0
    grow_ratio: float = 0.6
    gaze_on: float = 0.5
    smile_on: float = 0.5
    voice_on: float = 0.5
    cry_on: float = 0.5
    laugh_on: float = 0.5
    ids_on: float = 0.5
    ids_baby_near_s: float = 2.0
    shared_laugh_window_s: float = 1.0
    presence_on: float = 0.5
    hysteresis: float = 0.15
    min_event_s: float = 0.2
    bridge_gap_s: float = 0.3
    response_window_s: float = 2.0
    min_answer_gap_s: float = 0.2
    shared_smile_window_s: float = 1.5
    pause_before_s: float = 0.5
    encourage_lookback_s: float = 5.0
    turn_max_gap_s: float = 2.0
    event_box_s: float = 1.0
    sat_attentive: float = 0.8
    sat_encouraging: float = 0.3
    sat_receiving: float = 0.35
    sat_developing: float = 0.5
    visibility_weight: float = 0.5
    role_weight: float = 0.5
    face_missing_max_frac: float = 0.5
    face_role_min_frac: float = 0.1
    cry_max_frac: float = 0.8
    weights_file: str = ""

    def __post_init__(self) -> None:
        for name in ("weight_attentive", "weight_encouraging", "weight_receiving", "weight_developing"):
            check_setting_range(f"scoring.{name}", getattr(self, name), 0.0, 100.0)
        if self.weight_attentive + self.weight_encouraging + self.weight_receiving + self.weight_developing <= 0:
            raise ConfigError("config", "scoring weights must not all be 0")
        check_setting_range("scoring.window_s", self.window_s, 0.5, 120.0)
        check_setting_range("scoring.min_moment_s", self.min_moment_s, 0.5, 600.0)
        check_setting_range("scoring.max_moment_s", self.max_moment_s, 0.5, 600.0)
        if self.min_moment_s > self.max_moment_s:
            raise ConfigError(
                "config",
                f"scoring.min_moment_s ({self.min_moment_s}) must not exceed scoring.max_moment_s ({self.max_moment_s})",
            )
        check_setting_range("scoring.take_gap_s", self.take_gap_s, 0.1, 60.0)
        check_setting_range("scoring.long_pause_s", self.long_pause_s, 0.5, 600.0)
        check_setting_range("scoring.turn_away_s", self.turn_away_s, 0.1, 60.0)
        check_setting_range("scoring.camera_yaw_deg", self.camera_yaw_deg, 0.0, 90.0)
        check_setting_range("scoring.pad_s", self.pad_s, 0.0, 10.0)
        check_setting_range("scoring.snap_search_s", self.snap_search_s, 0.0, 10.0)
        check_setting_range("scoring.nms_gap_s", self.nms_gap_s, 0.0, 600.0)
        check_setting_range("scoring.grow_ratio", self.grow_ratio, 0.0, 1.0)
        for name in ("gaze_on", "smile_on", "voice_on", "cry_on", "presence_on", "laugh_on", "ids_on"):
            check_setting_range(f"scoring.{name}", getattr(self, name), 0.01, 1.0)
        check_setting_range("scoring.shared_laugh_window_s", self.shared_laugh_window_s, 0.1, 10.0)
        check_setting_range("scoring.ids_baby_near_s", self.ids_baby_near_s, 0.0, 600.0)
        check_setting_range("scoring.hysteresis", self.hysteresis, 0.0, 0.5)
        for name in ("gaze_on", "smile_on", "voice_on", "cry_on", "presence_on", "laugh_on", "ids_on"):
            if getattr(self, name) - self.hysteresis <= 0:
                raise ConfigError("config", f"scoring.{name} minus scoring.hysteresis must be above 0")
        check_setting_range("scoring.min_event_s", self.min_event_s, 0.0, 10.0)
        check_setting_range("scoring.bridge_gap_s", self.bridge_gap_s, 0.0, 10.0)
        check_setting_range("scoring.response_window_s", self.response_window_s, 0.1, 10.0)
        check_setting_range("scoring.min_answer_gap_s", self.min_answer_gap_s, 0.0, 5.0)
        check_setting_range("scoring.shared_smile_window_s", self.shared_smile_window_s, 0.0, 10.0)
        check_setting_range("scoring.pause_before_s", self.pause_before_s, 0.0, 10.0)
        check_setting_range("scoring.encourage_lookback_s", self.encourage_lookback_s, 0.0, 60.0)
        check_setting_range("scoring.turn_max_gap_s", self.turn_max_gap_s, 0.1, 10.0)
        check_setting_range("scoring.event_box_s", self.event_box_s, 0.1, 10.0)
        for name in ("sat_attentive", "sat_encouraging", "sat_receiving", "sat_developing"):
            check_setting_range(f"scoring.{name}", getattr(self, name), 0.01, 1.0)
        check_setting_range("scoring.visibility_weight", self.visibility_weight, 0.0, 1.0)
        check_setting_range("scoring.role_weight", self.role_weight, 0.0, 1.0)
        check_setting_range("scoring.face_missing_max_frac", self.face_missing_max_frac, 0.0, 1.0)
        check_setting_range("scoring.face_role_min_frac", self.face_role_min_frac, 0.0, 1.0)
        check_setting_range("scoring.cry_max_frac", self.cry_max_frac, 0.0, 1.0)
        if not isinstance(self.weights_file, str):
            raise ConfigError("config", f"scoring.weights_file must be a path string, got {self.weights_file!r}")

    @property
    def weights(self) -> dict[str, float]:
        """The hand-set principle weights keyed by principle name (see :data:`vigclips.scoring.PRINCIPLES`)."""
        return {
            "attentive": self.weight_attentive,
            "encouraging": self.weight_encouraging,
            "receiving": self.weight_receiving,
            "developing": self.weight_developing,
        }

