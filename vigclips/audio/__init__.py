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

from vigclips.lazy import lazy_exports

# Imported on first use: reading the settings (every command's start-up) must not load the audio stack.
__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "AUDIO_COLUMNS": "vigclips.audio.analyze",
        "AudioResult": "vigclips.audio.analyze",
        "analyze_audio": "vigclips.audio.analyze",
        "parse_rttm": "vigclips.audio.rttm",
        "read_rttm": "vigclips.audio.rttm",
        "write_rttm": "vigclips.audio.rttm",
        "AudioConfig": "vigclips.audio.settings",
        "Turn": "vigclips.audio.turns",
        "TurnSummary": "vigclips.audio.turns",
        "count_turns": "vigclips.audio.turns",
    },
)
