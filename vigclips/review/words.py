"""The review page's plain words, each explained (issue 25): what a guider sees on hover over a reason, and the page's
"What the words mean" list.

The program's reasons are sentences with figures (``vigclips.scoring.reasons``); the words below are the ones a guider
asked about. Each entry: the words as the page shows them (``term``), the bits of a reason that use them (``match``, lower
case; a reason containing one gets the explanation as its tooltip), and the explanation.
"""

from __future__ import annotations

from typing import Any

GLOSSARY: tuple[dict[str, Any], ...] = (
    {"term": "looked at", "match": ["looked at"],
     "text": "The program saw the eyes pointing at the other's face (it measured the gaze)."},
    {"term": "turned to", "match": ["turned to"],
     "text": "The head was turned towards the other, but the program could not see the eyes well enough to say they "
             "looked: weaker than \"looked at\"."},
    {"term": "looked at each other / turned to each other", "match": ["each other"],
     "text": "Both at the same time: the start of a shared moment (mutual gaze)."},
    {"term": "smiled back, answered, laughed along", "match": ["smiled back", "answered", "along within"],
     "text": "The baby did something first (a smile, a sound, a look) and the parent replied to it: the parent received "
             "the baby's initiative."},
    {"term": "within 0.8 s", "match": ["within"],
     "text": "How soon the parent's reply came after the baby's start, in seconds. Under about 1 second is quick; "
             "\"within 0.1 s\" means at once."},
    {"term": "watched quietly while the baby was busy", "match": ["while the baby was busy", "quiet"],
     "text": "The parent watched the baby and did not talk while the baby was playing or making sounds: giving the baby "
             "time and space (being attentive)."},
    {"term": "the parent waited and the baby took the lead", "match": ["took the lead"],
     "text": "The parent paused, and the baby was the next to do something (a sound, a look, a smile): the parent "
             "left room for the baby's initiative (encouraging initiatives)."},
    {"term": "took turns making sounds", "match": ["took turns", "turns"],
     "text": "Sounds went back and forth: one spoke or babbled, the other answered, and so on (serve and return)."},
    {"term": "sing-song voice", "match": ["sing-song"],
     "text": "The parent's voice went up and down in pitch more than in ordinary speech, as people speak to babies "
             "(friendly intonation)."},
    {"term": "Check by eye", "match": ["check by eye"],
     "text": "The program could not measure this well here (faces hidden, turned away, or it is not sure which face is "
             "the baby's). Watch the moment and judge for yourself."},
    {"term": "who is who (the rings)", "match": ["which face is the baby"],
     "text": "The amber ring marks the face the program took for the baby's, the blue ring the parent's. If they are "
             "right, press \"Rings are right\" and this warning goes; if not, \"wrong way round\"."},
    {"term": "How much of each principle", "match": [],
     "text": "none, a trace, a little, some, quite a lot, a lot: how many of the principle's cues the program found in "
             "this moment, compared with as many as it looks for. Hover over a bar for the figure out of 100."},
    {"term": "Kept / Not used / To review", "match": [],
     "text": "Kept moments are exported as clips and put on the parent's sheet; not used ones are set aside (the program "
             "does not suggest them again); to review is not yet decided."},
    {"term": "Teaching versions", "match": [],
     "text": "Copies of the clips with the cues drawn in (rings, who looked, who smiled): for you and your supervisor, "
             "not for the family."},
)  # fmt: skip
"""The page's glossary, in the order it is listed."""


PRINCIPLE_HELP = {
    "attentive": "Turned towards the baby, looking with interest, giving time and space. The program looks for: the parent's "
                 "face turned to the baby, the parent looking at the baby, the parent quiet while the baby is busy.",
    "encouraging": "Waiting, listening, a friendly voice, naming what the baby does. The program looks for: a pause by the "
                   "parent followed by the baby's sound, look or smile; a sing-song voice.",
    "receiving": "Showing the baby's initiative was noticed: looking back, smiling, nodding, repeating the sound. The program "
                 "looks for: the baby starts (a look, a sound, a smile) and the parent answers within about 1–2 seconds.",
    "developing": "Serve and return: taking turns, a second and further turn, having fun together. The program looks for: "
                  "sounds or looks going back and forth, looking at each other, smiling together.",
}  # fmt: skip
"""What each principle's tick means (the tick boxes' and the score bars' tooltips)."""


def explain(reason: str) -> list[str]:
    """The explanations of the words ``reason`` uses (what the page shows on hover), in the glossary's order."""
    text = reason.lower()
    return [entry["text"] for entry in GLOSSARY if any(m in text for m in entry["match"])]
