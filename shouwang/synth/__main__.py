"""python -m shouwang.synth --households N --seed S --out DIR [--truth DIR] [--date YYYYMMDD]"""

from .cli import main

raise SystemExit(main())
