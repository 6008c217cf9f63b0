"""Rebuild the demo's claim extracts (deterministic): `.venv/bin/python demo/make_demo_extracts.py`.

Three clinicians over December 2020 and January 2021, across the 2021 office E/M revaluation:
- `charges_2021-01-04.csv`, canonical columns: December's charges;
- `vendor_charges_2021-02-02.csv`, a practice-management export with its own headers, US dates and
  lowercase modifiers (read through config/column_maps/vendor_demo.yaml): January's charges, a late
  December charge, a void, a correction, a resent duplicate and rows that are not charges at all.
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent
CANONICAL = [
    "transaction_id",
    "claim_id",
    "rendering_npi",
    "service_date",
    "post_date",
    "cpt_code",
    "modifier_1",
    "modifier_2",
    "units",
    "patient_id",
    "place_of_service",
]
VENDOR = [
    "Charge ID",
    "Invoice #",
    "Rendering Provider NPI",
    "DOS",
    "Post Date",
    "Procedure",
    "Mod 1",
    "Mod 2",
    "Units",
    "MRN",
    "POS",
]


def npi(base9: str) -> str:
    """A valid NPI: Luhn check digit over the prefix 80840 and the first nine digits."""
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base9 + str((10 - total % 10) % 10)


PROVIDERS = {"family": npi("123456789"), "cardiology": npi("198765432"), "orthopedics": npi("155544433")}
VISITS = {
    "family": [
        ("99213", "", "", 1),
        ("99214", "", "", 1),
        ("99212", "", "", 1),
        ("99396", "", "", 1),
        ("36415", "", "", 1),
        ("99213", "25", "", 1),
    ],
    "cardiology": [
        ("99214", "", "", 1),
        ("93010", "", "", 1),
        ("93306", "26", "", 1),
        ("99204", "", "", 1),
        ("93000", "", "", 1),
    ],
    "orthopedics": [
        ("99213", "", "", 1),
        ("20610", "rt", "", 1),
        ("27447", "", "", 1),
        ("29881", "lt", "", 1),
        ("27447", "80", "", 1),
    ],
}


def month_lines(rng, year, month, first_id, post_lag_days):
    lines, tid = [], first_id
    days = [date(year, month, d) for d in range(1, 29) if date(year, month, d).weekday() < 5]
    for specialty, provider in PROVIDERS.items():
        for day in rng.sample(days, 6):
            code, mod1, mod2, units = rng.choice(VISITS[specialty])
            patient = f"MRN{rng.randrange(10000, 99999)}"
            lines.append(
                [
                    f"T{tid:06d}",
                    f"C{tid:06d}",
                    provider,
                    day,
                    day + timedelta(days=post_lag_days),
                    code,
                    mod1,
                    mod2,
                    units,
                    patient,
                    "11" if code.startswith("99") else "22",
                ]
            )
            tid += 1
    return lines, tid


def write(path, header, rows, date_format):
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for row in rows:
            out.writerow([v.strftime(date_format) if isinstance(v, date) else v for v in row])
    print(f"{path.relative_to(HERE)}: {len(rows)} rows")


def main():
    rng = random.Random(2021)
    december, next_id = month_lines(rng, 2020, 12, 1, 3)
    write(HERE / "extracts" / "charges_2021-01-04.csv", CANONICAL, december, "%Y-%m-%d")

    january, next_id = month_lines(rng, 2021, 1, next_id, 2)
    late = [
        f"T{next_id:06d}",
        f"C{next_id:06d}",
        PROVIDERS["family"],
        date(2020, 12, 30),
        date(2021, 1, 12),
        "99214",
        "",
        "",
        1,
        "MRN55555",
        "11",
    ]
    voided = december[0]
    void = [
        f"T{next_id + 1:06d}",
        voided[1],
        voided[2],
        voided[3],
        date(2021, 1, 8),
        voided[5],
        voided[6],
        voided[7],
        -voided[8],
        voided[9],
        voided[10],
    ]
    corrected = list(december[1])
    corrected[6] = "25"  # modifier added after coding review: same transaction id, new content
    corrected[4] = date(2021, 1, 6)
    resent = january[2]  # the same transaction sent twice
    not_charges = [
        [
            f"T{next_id + 2:06d}",
            f"C{next_id + 2:06d}",
            PROVIDERS["family"],
            date(2021, 1, 11),
            date(2021, 1, 11),
            "NO SHOW",
            "",
            "",
            1,
            "MRN12121",
            "11",
        ],
        [
            f"T{next_id + 3:06d}",
            f"C{next_id + 3:06d}",
            PROVIDERS["cardiology"],
            date(2021, 1, 12),
            date(2021, 1, 12),
            "UNAPPLIED PAYMENT",
            "",
            "",
            1,
            "MRN13131",
            "11",
        ],
    ]
    vendor = january + [late, void, corrected, resent] + not_charges
    write(HERE / "extracts" / "vendor_charges_2021-02-02.csv", VENDOR, vendor, "%m/%d/%Y")


if __name__ == "__main__":
    main()
