#!/bin/sh
# Rebuild the example recordings from examples/standup.json (dev-time: needs espeak-ng and ffmpeg).
# standup.mp3: the stand-up, three espeak-ng voices; standup.mp4: the same audio under a still frame;
# monologue.mp3: one voice at varying pitch.
# Both outputs are committed, so CI never needs these tools. Bit-exact flags keep reruns byte-identical.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-"$here/../.venv/bin/python"}
"$python" "$here/../scripts/synthesize_meetings.py" "$here/standup.json" --out "$here/standup.mp3"
# One voice whose pitch changes from sentence to sentence: diarization must keep it one speaker
"$python" "$here/../scripts/synthesize_meetings.py" "$here/monologue.json" --out "$here/monologue.mp3"
ffmpeg -y -loglevel error \
  -f lavfi -i "color=c=0x2e5c8a:s=160x90:r=1" -i "$here/standup.mp3" \
  -map 0:v -map 1:a -shortest \
  -c:v libx264 -preset veryslow -tune stillimage -pix_fmt yuv420p -g 600 -threads 1 \
  -c:a aac -b:a 32k -ar 16000 -ac 1 \
  -map_metadata -1 -fflags +bitexact -flags +bitexact -movflags +faststart \
  "$here/standup.mp4"
ls -l "$here/standup.mp3" "$here/standup.mp4"
