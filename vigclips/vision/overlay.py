"""Draw what the vision stage saw onto a frame: boxes, role labels, gaze rays, mutual-gaze and smile markers (issue 3).

Drawing uses OpenCV on a BGR copy; the input frame is never modified.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from vigclips.types import Frame
from vigclips.vision import roles
from vigclips.vision.face_rows import _F, with_profile_yaw
from vigclips.vision.result import VisionResult

COLOURS_BGR = {
    roles.ROLE_INFANT: (60, 200, 255),  # amber
    roles.ROLE_ADULT: (255, 160, 60),  # blue
    roles.ROLE_OTHER: (170, 170, 170),  # grey
}
"""Box colour per role."""
LABELS = {roles.ROLE_INFANT: "infant", roles.ROLE_ADULT: "adult", roles.ROLE_OTHER: "face"}
MUTUAL_BGR = (80, 230, 80)
SMILE_THRESHOLD = 0.5
"""Smile (0–1) at and above which a smile marker is drawn."""
MUTUAL_THRESHOLD = 0.5
"""Mutual gaze (0–1) at and above which the two faces are joined by a line."""


def render_overlay(frame: Frame, result: VisionResult, frame_index: int) -> NDArray[np.uint8]:
    """Annotate one frame with what :func:`vigclips.vision.analyze_frames` saw there.

    Args:
        frame: the decoded frame (BGR); may be larger or smaller than the analysed one (coordinates are rescaled).
        result: the vision result of the recording.
        frame_index: index of this frame in ``result`` (the tick).

    Returns:
        (H, W, 3) uint8 annotated BGR copy.

    Raises:
        IndexError: ``frame_index`` is outside ``result``.

    Example:
        >>> img = render_overlay(frame, result, frame.index)   # doctest: +SKIP
    """
    if not 0 <= frame_index < len(result):
        raise IndexError(f"frame_index {frame_index} outside 0..{len(result) - 1}")
    out = np.ascontiguousarray(frame.image.copy())
    h, w = out.shape[:2]
    aw, ah = (int(v) for v in result.image_wh[frame_index])
    sx, sy = w / max(aw, 1), h / max(ah, 1)
    thick = max(1, round(w / 320))
    font_scale = 0.4 * w / 640 + 0.1
    centres: dict[int, tuple[int, int]] = {}
    rows = result.face_rows(frame_index)
    # the yaw the looks were judged from (keypoints where face mesh reads a turned head too frontal)
    data = with_profile_yaw(result.face_data[rows], result.config.profile_yaw_from_deg)
    for r, d in zip(rows, data):
        role = int(result.face_role[r])
        colour = COLOURS_BGR.get(role, COLOURS_BGR[roles.ROLE_OTHER])
        x1, y1, x2, y2 = d[0] * sx, d[1] * sy, d[2] * sx, d[3] * sy
        cv2.rectangle(out, (int(x1), int(y1)), (int(x2), int(y2)), colour, thick)
        label = f"{LABELS.get(role, 'face')} #{int(result.face_track[r])}"
        if role != roles.ROLE_OTHER:
            label += f" {result.face_role_confidence[r]:.2f}"
        cv2.putText(out, label, (int(x1), max(int(y1) - 4, 10)), cv2.FONT_HERSHEY_SIMPLEX, font_scale, colour, thick)
        cx, cy = int((x1 + x2) / 2), int((y1 + y2) / 2)
        centres[role] = (cx, cy)
        yaw, pitch = d[_F["gaze_yaw_deg"]], d[_F["gaze_pitch_deg"]]
        if np.isfinite(yaw) and np.isfinite(pitch):
            # Gaze ray: the image-plane projection of the 3-D gaze direction, as long as the face is tall.
            length = (y2 - y1) * 1.2
            dx = np.sin(np.radians(yaw)) * np.cos(np.radians(pitch))
            dy = -np.sin(np.radians(pitch))
            tip = (int(cx + dx * length), int(cy + dy * length))
            cv2.arrowedLine(out, (cx, cy), tip, colour, thick, tipLength=0.2)
        # What was decided for this role, and from what (issue 11): the look, and whether the head pose came from face
        # mesh or, for a profile, from the detector's keypoints (with its confidence).
        lines = []
        if np.isfinite(yaw):
            lines.append("head: mesh" if d[_F["has_mesh"]] > 0 else f"head: profile {d[_F['det_score']]:.2f}")
        who = {roles.ROLE_INFANT: ("infant", "adult"), roles.ROLE_ADULT: ("adult", "infant")}.get(role)
        if who is not None:
            look = result.channels[f"{who[0]}_looks_at_{who[1]}"][frame_index]
            away = result.channels[f"{who[0]}_looks_elsewhere"][frame_index]
            if result.channels[f"{who[0]}_eyes_hidden"][frame_index] == 1:
                lines.append("eyes hidden by hands")
            elif np.isfinite(look) and look >= 0.5:
                # "turned to" where the direction came from the head alone (eyes not resolved), as the reasons say
                verb = "turned to" if result.channels[f"{who[0]}_gaze_from_eyes"][frame_index] == 0 else "looks at"
                lines.append(f"{verb} {'baby' if who[1] == 'infant' else 'parent'} {look:.2f}")
            elif np.isfinite(away) and away >= 0.5:
                lines.append("turned elsewhere")
            elif np.isfinite(look):
                lines.append("not at partner")
        for k, text in enumerate(lines):
            y_text = int(y2) + int(14 * (k + 2) * font_scale / 0.5)  # below the smile marker's line
            cv2.putText(out, text, (int(x1), y_text), cv2.FONT_HERSHEY_SIMPLEX, font_scale, colour, thick)
        # The infant's smile is the role's channel (it also reads a baby's widened, opened mouth), not the adult measure.
        smile = result.channels["infant_smile"][frame_index] if role == roles.ROLE_INFANT else d[_F["smile"]]
        if np.isfinite(smile) and smile >= SMILE_THRESHOLD:
            cv2.putText(
                out, f"smile {smile:.2f}", (int(x1), int(y2) + int(14 * font_scale / 0.5)), cv2.FONT_HERSHEY_SIMPLEX,
                font_scale, colour, thick,
            )
    mutual = result.channels["mutual_gaze"][frame_index]
    if np.isfinite(mutual) and mutual >= MUTUAL_THRESHOLD and roles.ROLE_INFANT in centres and roles.ROLE_ADULT in centres:
        cv2.line(out, centres[roles.ROLE_INFANT], centres[roles.ROLE_ADULT], MUTUAL_BGR, thick + 1)
        eyes = [result.channels[f"{who}_gaze_from_eyes"][frame_index] != 0 for who in ("infant", "adult")]
        text = "mutual gaze" if all(eyes) else "turned to each other"
        cv2.putText(out, text, (8, h - 10), cv2.FONT_HERSHEY_SIMPLEX, font_scale * 1.2, MUTUAL_BGR, thick)
    shared = result.channels["shared_smile"][frame_index]
    if np.isfinite(shared) and shared >= SMILE_THRESHOLD:
        cv2.putText(out, "shared smile", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, font_scale * 1.2, MUTUAL_BGR, thick)
    return out
