"""Tunable settings of the audio stage: defaults live here and nowhere else (overridable from the TOML config's [audio] table).

Each default says where it comes from: the literature for the turn-taking windows, and our own measurements on the
shared test media (``bench/eval_audio.py``) for the DSP thresholds, which have no published "right" value.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigclips.errors import ConfigError, check_setting_range


@dataclass(frozen=True, slots=True)
class AudioConfig:
    """Settings of the audio stage (voice activity, voice type, turns).

    Attributes:
        vad_floor_percentile: percentile of frame levels (over ±15 s) taken as the noise floor. 10 assumes at least
            a tenth of any 30 s is free of voice, true of home recordings (pauses between turns).
        vad_min_snr_db: a periodic frame must be this far above the floor to count as voice. 6 dB was chosen on the
            shared media: lower admits faint periodic background (hum), higher loses quiet syllables.
        vad_min_level_dbfs: absolute floor below which nothing is voice. -65 dBFS drops mains hum and hiss at
            -75..-80 dBFS (icatcher_test_vid_1000.mp4's 120 Hz hum is periodic and passed at -75). The cost: speech
            recorded at -46 dBFS peak is only about half found (GRID scaled down 40 dB: recall 0.56, 0.92 at -75).
        vad_max_aperiodicity: YIN aperiodicity above which a frame is unvoiced. YIN's authors report clean voiced
            speech below ~0.1-0.2; 0.45 admits breathy infant voices and speech in a noisy room (with it, speech in pink
            noise at 0 dB SNR is still 62 % found, against 30 % at 0.35), while white and pink noise alone stay below it.
        vad_min_voiced_run_s: shortest run of periodic frames that counts (drops single-frame clicks).
        vad_merge_gap_s: unvoiced gaps up to this long inside a phrase are bridged (consonants last 50-150 ms;
            0.25 s also bridges stop closures and short hesitations but not the pause between two speakers' turns,
            whose median is ~0.2-0.5 s; Stivers et al. 2009, PNAS 106:10587).
        vad_extend_s: how far a region grows over loud unvoiced frames at each edge (a word-initial /s/ lasts ~0.1-0.2 s).
        vad_extend_snr_db: how far above the floor an unvoiced frame must be to extend a region.
        vad_min_voiced_s: a region needs at least this much voiced time to be kept.
        infant_f0_hz: F0 at which a voice is equally likely adult or infant. Adult women speak at ~165-255 Hz (rising
            to ~300 Hz in infant-directed speech), men at ~85-180 Hz; infant vocalisations sit at ~300-600 Hz
            (Kent & Murray 1982, JASA 72:353; Fernald et al. 1989, J Child Lang 16:477).
        infant_f0_width_oct: how sharply the adult/infant evidence changes around ``infant_f0_hz``, in octaves.
        voice_context_s: half-width of the window over which pitch evidence is pooled before a voice type is
            chosen (a single high syllable of an excited adult should not become an infant).
        min_segment_s: inside one vocalisation region (no pause of ``vad_merge_gap_s``), a change of voice type must
            last this long or it is absorbed into its neighbours. An excited adult's high syllables run up to ~0.4 s
            (lookit_causal_ex2.mp4); when adult and infant alternate without any pause, the infant stretch must
            reach 0.5 s to be split off.
        infant_min_sustained_s: an infant (or cry) segment must hold its voicing unbroken for at least this long
            somewhere (one run of voiced frames), or it is dropped. Infants phonate through their vocalisations; what
            passes the pitch tracker at a high pitch only in flickers of 20-30 ms is the ringing of an impact (a slap
            at the start of laeo_tvhid_highFive_0016.avi gave runs of 3 + 3 frames at 630-890 Hz and read as a 0.4 s
            infant vocalisation). Measured on the shared media: the shortest longest-run of a real infant segment
            is 50 ms (a cry recording's first 0.3 s), the Lookit child's answer 380 ms. Adult segments are not held to
            it: a creaky phrase ending (vocal fry, ~90 Hz) flickers in and out of voicing and is still speech
            (lookit_consent.mp4 at 6.7 s). 0 disables the check.
        cry_min_s: an infant vocalisation must last at least this long to be a cry. A cry comes as a run of 0.5-1.5 s
            expirations with inspirations too short to split it, so cry segments are long (measured: 1.3-5.3 s on the
            donateacry recordings); coos, squeals and a toddler's words are shorter (the Lookit child's answer: 0.9 s).
        cry_min_harsh_db: the voice-type stage's first guess at a cry (median 1-4 kHz vs 80-1000 Hz energy above this,
            dB). Since issue 22 it decides nothing on its own: a squealing or laughing baby passes it too, so the
            final cry comes from the laughter model and held voicing (:mod:`vigclips.audio.crylaugh`).
        steady_tone_cents: a segment whose pitch stays within this many cents over 200 ms stretches (for >= 10 % of
            its voiced frames) is a held musical note or electronic tone, not a voice, and is dropped. Measured: no
            voice on the shared media (adult, toddler, cry, squeal) does this; the music in icatcher_test_short.mp4
            does. 0 disables the check.
        mouth_tiebreak_margin: when per-tick ``infant_mouth_open``/``adult_mouth_open`` channels are given, a segment
            whose acoustic infant probability is within this margin of 0.5 is given to the face whose mouth moves more.
        mouth_min_movement: the mouth that decides must move at least this much (standard deviation of its 0–1 opening
            over the segment) and at least 1.5 times as much as the other; below that, mouth movement is noise and the
            acoustic decision stands (a still adult mouth at 0.01 vs 0.00 once turned the Lookit mother into an infant).
        laugh_min_calls: a laugh bout needs at least this many calls ("ha-ha-ha-ha"). Bouts run 3-5 calls (Bachorowski
            et al. 2001, JASA 110:1581), but three steady syllables also occur in speech and babble, so four are asked.
            See :mod:`vigclips.audio.laugh`.
        laugh_max_call_s: a laugh call (a burst within 10 dB of its peak) lasts at most this long. Adult laugh calls
            last ~0.1-0.2 s (ibid.); the LookitLaughter toddler's 0.1-0.33 s; cry expirations last 0.5-1.5 s.
        laugh_min_ioi_s: shortest interval between call peaks (laughs run at ~2-6 calls a second; Provine & Yong 1991,
            Ethology 89:115: adults ~210 ms apart).
        laugh_max_ioi_s: longest interval between call peaks inside a bout: 0.45 s, over two calls a second (the
            toddler's labelled laugh: 0.26-0.36 s; adults' ~0.2 s). The one slower series on the shared media is
            the 4JDccE mother's five loud calls 0.42-0.51 s apart while the child drinks from a cup
            (bench/labels/lookit_laughter_seconds.csv); it was once taken for the toddler's laugh and 0.6 s set from it.
        laugh_ioi_tolerance: every interval of a bout lies within this fraction of the bout's median interval
            (a laugh is steady; speech syllables are not).
        laugh_min_dip_db: the level must dip this far between two calls (the breathy gap of a laugh; smaller dips are
            one call). 6 dB, as the voice-activity SNR threshold.
            laugh_min_calls, laugh_max_call_s and laugh_ioi_tolerance were chosen among 24 combinations as the best
            per-clip AUC against the parents' reports on the 13 4JDccE clips with no laugh in the donateacry cries;
            bench/eval_audio.py reports that figure and its leave-one-clip-out counterpart.
        ids_min_reference_s: the speaker's usual pitch for ``adult_ids`` is taken from the recording when it holds at
            least this much voiced adult speech (else a fixed 185 Hz; :mod:`vigclips.audio.ids`).
        turn_pause_s: LENA's conversation-ending pause: vocalisations 5 s or more apart are not a turn (LENA
            Foundation's definition, Gilkerson & Richards 2008, "The LENA Natural Language Study"; ../shared/DOMAIN.md).
        contingent_max_latency_s: a response is contingent when it starts within this many seconds after the
            initiative ends. 2 s is the window used in studies of contingent maternal responses to infant
            vocalisations (Gros-Louis et al. 2006, IJBD 30:509; Goldstein & Schwade 2008, Psych Sci 19:515) and matches
            VIG's "within about 1-2 s" for receiving initiatives.
        overlap_tolerance_s: a response may start this much before the initiative ends and still count as a turn
            (segment boundaries are uncertain to ~0.1-0.2 s); longer overlaps are overlapping speech, not a turn.
        orientation_min_seen: the responder's orientation is judged only when their face is seen in at least this
            fraction of the response window's ticks; otherwise it is unknown (None) and does not block contingency.
        orientation_window_s: the window after the response starts in which the responder's orientation is read.
        require_orientation: a reply made while the responder is seen turned to someone or something else is not a
            contingent turn (issue 11: orientation is evidence, not a gate; a face turned to the camera or unseen does not
            block it).
    """

    # --- voice activity (thresholds measured on the shared media; see bench/eval_audio.py)
    vad_floor_percentile: float = 10.0
    vad_min_snr_db: float = 6.0
    vad_min_level_dbfs: float = -65.0
    vad_max_aperiodicity: float = 0.45
    vad_min_voiced_run_s: float = 0.03
    vad_merge_gap_s: float = 0.25
    vad_extend_s: float = 0.15
    vad_extend_snr_db: float = 10.0
    vad_min_voiced_s: float = 0.06
    # --- voice type
    infant_f0_hz: float = 300.0
    infant_f0_width_oct: float = 0.15
    voice_context_s: float = 0.5
    min_segment_s: float = 0.5
    infant_min_sustained_s: float = 0.04
    cry_min_s: float = 1.0
    cry_min_harsh_db: float = -12.0
    mouth_tiebreak_margin: float = 0.15
    mouth_min_movement: float = 0.05
    steady_tone_cents: float = 8.0
    # --- laughter and infant-directed speech (issue 12; literature values, not fitted)
    laugh_min_calls: int = 4
    laugh_max_call_s: float = 0.4
    laugh_min_ioi_s: float = 0.12
    laugh_max_ioi_s: float = 0.45
    laugh_ioi_tolerance: float = 0.4
    laugh_min_dip_db: float = 6.0
    ids_min_reference_s: float = 3.0
    # --- turns
    turn_pause_s: float = 5.0
    contingent_max_latency_s: float = 2.0
    overlap_tolerance_s: float = 0.2
    orientation_min_seen: float = 0.5
    orientation_window_s: float = 1.0
    require_orientation: bool = True

    def __post_init__(self) -> None:
        check_setting_range("audio.vad_floor_percentile", self.vad_floor_percentile, 1.0, 50.0)
        check_setting_range("audio.vad_min_snr_db", self.vad_min_snr_db, 0.0, 40.0)
        check_setting_range("audio.vad_min_level_dbfs", self.vad_min_level_dbfs, -100.0, -10.0)
        check_setting_range("audio.vad_max_aperiodicity", self.vad_max_aperiodicity, 0.05, 0.5)
        check_setting_range("audio.vad_min_voiced_run_s", self.vad_min_voiced_run_s, 0.01, 0.5)
        check_setting_range("audio.vad_merge_gap_s", self.vad_merge_gap_s, 0.0, 2.0)
        check_setting_range("audio.vad_extend_s", self.vad_extend_s, 0.0, 1.0)
        check_setting_range("audio.vad_extend_snr_db", self.vad_extend_snr_db, 0.0, 40.0)
        check_setting_range("audio.vad_min_voiced_s", self.vad_min_voiced_s, 0.01, 2.0)
        check_setting_range("audio.infant_f0_hz", self.infant_f0_hz, 150.0, 600.0)
        check_setting_range("audio.infant_f0_width_oct", self.infant_f0_width_oct, 0.02, 1.0)
        check_setting_range("audio.voice_context_s", self.voice_context_s, 0.0, 5.0)
        check_setting_range("audio.min_segment_s", self.min_segment_s, 0.0, 5.0)
        check_setting_range("audio.infant_min_sustained_s", self.infant_min_sustained_s, 0.0, 1.0)
        check_setting_range("audio.cry_min_s", self.cry_min_s, 0.1, 10.0)
        check_setting_range("audio.cry_min_harsh_db", self.cry_min_harsh_db, -40.0, 20.0)
        check_setting_range("audio.steady_tone_cents", self.steady_tone_cents, 0.0, 50.0)
        check_setting_range("audio.mouth_tiebreak_margin", self.mouth_tiebreak_margin, 0.0, 0.5)
        check_setting_range("audio.mouth_min_movement", self.mouth_min_movement, 0.0, 0.5)
        check_setting_range("audio.laugh_min_calls", self.laugh_min_calls, 2, 20)
        check_setting_range("audio.laugh_max_call_s", self.laugh_max_call_s, 0.05, 2.0)
        check_setting_range("audio.laugh_min_ioi_s", self.laugh_min_ioi_s, 0.05, 2.0)
        check_setting_range("audio.laugh_max_ioi_s", self.laugh_max_ioi_s, 0.05, 2.0)
        check_setting_range("audio.laugh_ioi_tolerance", self.laugh_ioi_tolerance, 0.0, 1.0)
        check_setting_range("audio.laugh_min_dip_db", self.laugh_min_dip_db, 0.0, 40.0)
        check_setting_range("audio.ids_min_reference_s", self.ids_min_reference_s, 0.0, 600.0)
        if self.laugh_min_ioi_s > self.laugh_max_ioi_s:
            raise ConfigError("config", "audio.laugh_min_ioi_s must not exceed audio.laugh_max_ioi_s")
        check_setting_range("audio.turn_pause_s", self.turn_pause_s, 0.5, 30.0)
        check_setting_range("audio.contingent_max_latency_s", self.contingent_max_latency_s, 0.1, 10.0)
        check_setting_range("audio.overlap_tolerance_s", self.overlap_tolerance_s, 0.0, 2.0)
        check_setting_range("audio.orientation_min_seen", self.orientation_min_seen, 0.0, 1.0)
        check_setting_range("audio.orientation_window_s", self.orientation_window_s, 0.1, 5.0)
        if self.contingent_max_latency_s > self.turn_pause_s:
            raise ConfigError(
                "config", "audio.contingent_max_latency_s must not exceed audio.turn_pause_s (a contingent turn is a turn)"
            )

