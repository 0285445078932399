"""The media layer: the only code that runs ffmpeg. Probe, decode frames and audio, grab stills, encode, cut clips."""

from vigclips.media.decode import analysis_size, decode_audio, extract_still, grab_frame, iter_frames
from vigclips.media.encode import VideoWriter
from vigclips.media.ffmpeg import ClipEncoding, build_clip_args, ffmpeg_exe, run_ffmpeg
from vigclips.media.probe import probe

__all__ = [
    "ClipEncoding",
    "VideoWriter",
    "analysis_size",
    "build_clip_args",
    "decode_audio",
    "extract_still",
    "ffmpeg_exe",
    "grab_frame",
    "iter_frames",
    "probe",
    "run_ffmpeg",
]
