"""Hear the dyad: voice activity, adult or infant voice, cries, and turn-taking (issue 4).

Example:
    >>> import numpy as np
    >>> from vigclips.audio import AudioConfig, analyze_audio, count_turns
    >>> sr = 16000; t = np.arange(4 * sr) / sr
    >>> adult = np.sin(2 * np.pi * (200 + 10 * np.sin(2 * np.pi * 5 * t)).cumsum() / sr)
    >>> infant = np.sin(2 * np.pi * (450 + 20 * np.sin(2 * np.pi * 5 * t)).cumsum() / sr)
    >>> pcm = (0.2 * np.where(t < 1.5, adult, 0) + 0.2 * np.where((t > 2.0) & (t < 2.8), infant, 0)).astype(np.float32)
    >>> cfg = AudioConfig()
    >>> result = analyze_audio(pcm, sr, np.arange(40) / 10, cfg)
    >>> [s.label for s in result.segments]
    ['ADULT', 'INFANT']
    >>> summary = count_turns(result.segments, None, cfg)
    >>> summary.turns_lena, summary.turns[0].initiator, round(summary.turns[0].latency_s, 1)
    (1, 'ADULT', 0.5)
"""

from vigclips.audio.analyze import AUDIO_COLUMNS, AudioResult, analyze_audio
from vigclips.audio.rttm import parse_rttm, read_rttm, write_rttm
from vigclips.audio.settings import AudioConfig
from vigclips.audio.turns import Turn, TurnSummary, count_turns

__all__ = [
    "AUDIO_COLUMNS",
    "AudioConfig",
    "AudioResult",
    "Turn",
    "TurnSummary",
    "analyze_audio",
    "count_turns",
    "parse_rttm",
    "read_rttm",
    "write_rttm",
]
