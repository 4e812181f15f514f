#!/usr/bin/env python3
"""A second person-file generator, written apart from `pakt samples persons`, for linkage
figures on data made with other assumptions.

    python3 Benchmarks/scripts/independent-persons.py PERSONS SEED OUT_DIR

Writes OUT_DIR/persons.csv (the columns `pakt samples persons` writes, so mappings/linkage.yml
and Benchmarks/scripts/splink-compare.py read it as they are) and OUT_DIR/truth-pairs.csv.

Why a second generator: `pakt samples persons` and pakt's linkage were built by the same team,
and a generator encodes its authors' assumptions (its transliterations are the ones pakt's key
knows). This one draws on other lists and another error model, and nothing in it was tuned
against pakt's figures:
- names from Zipf-shaped lists per origin (Syria, Iraq, Afghanistan, Iran, Eritrea, Somalia,
  Gambia, Guinea, Nigeria, Turkey, Ukraine, Georgia, Albania/Kosovo, Pakistan), so that
  namesakes arise from the spread of names, not from an injected rate; a third of family names
  and a fifth of given names built from syllables; second given names (35%);
- spelling changes drawn from a transliteration table of its own (q/gh/k/g, th/s/t, dh/z/d,
  ts/z/c, x/ks, kh/ch/h/x, sh/sch/ş/s, j/dj/dsch/zh, w/v, ou/u/oo/o, ee/i/ie, ei/ai/ay/ey, y/i,
  e/a, o/u), random edits (insert, delete, substitute, transpose, anywhere in the word),
  capitals, diacritics dropped, Al-/El-/Abu written or left out, a second given name left out,
  names swapped, a double family name shortened, a name written in both fields or with "-";
- dates of birth: complete, 01.01. or 00.00. with the year, the year alone, one digit wrong,
  day and month swapped, a day off, missing (2%), another date entirely (0.5%);
- sex missing (3%) or wrong (0.5%); nationality missing (5%) or another (3%: stateless,
  unknown, a neighbour); AZR numbers for 40% of persons, missing in 35% of their records, one
  digit wrong in 2%, another person's in 0.3%;
- records per person: 1 (58%), 2 (27%), 3 (10%), 4 to 6 (5%), spread over municipalities as a
  person moves (70%) or entered twice by one office (30%).
"""
import csv
import os
import random
import sys
import unicodedata

persons_n = int(sys.argv[1])
seed = int(sys.argv[2])
out = sys.argv[3]
rng = random.Random(seed)

ORIGINS = {
    "SYR": (0.24, ["Al-Ahmad", "Al-Ali", "Hamdan", "Khalil", "Haj Ali", "Al-Hamoud", "Darwish", "Shaker", "Al-Khatib",
                   "Mansour", "Al-Masri", "Qassem", "Al-Saleh", "Ibrahim", "Othman", "Hussein", "Al-Hussein", "Sheikh",
                   "Al-Rifai", "Sabbagh", "Haddad", "Al-Omar", "Kurdi", "Youssef", "Hasan", "Abdo", "Al-Jasem", "Hammoud",
                   "Al-Issa", "Shahin", "Nassar", "Al-Abdullah", "Bakkour", "Taha", "Dib", "Zein", "Al-Sheikh", "Ali"],
            ["Mohammad", "Ahmad", "Mahmoud", "Khaled", "Omar", "Ali", "Hussein", "Mustafa", "Abdulrahman", "Yousef",
             "Ibrahim", "Hassan", "Bassam", "Walid", "Fadi", "Rami", "Ammar", "Anas", "Bilal", "Hamza", "Obada", "Tarek"],
            ["Fatima", "Aisha", "Maryam", "Rasha", "Hiba", "Nour", "Rania", "Amal", "Huda", "Zainab", "Lama", "Reem",
             "Asmaa", "Ghada", "Heba", "Samar", "Wafaa", "Yasmin", "Doaa", "Israa"]),
    "AFG": (0.20, ["Ahmadi", "Mohammadi", "Rahimi", "Hosseini", "Rezaei", "Jafari", "Hakimi", "Nazari", "Sultani",
                   "Karimi", "Habibi", "Noori", "Amiri", "Sadat", "Azizi", "Haidari", "Qaderi", "Rasuli", "Samadi",
                   "Stanikzai", "Popalzai", "Safi", "Wardak", "Hotak", "Yousufzai", "Ghafoori", "Sharifi", "Qasemi",
                   "Mirzaei", "Akbari", "Hashemi", "Rahmani", "Faizi", "Naseri", "Barakzai"],
            ["Mohammad", "Ahmad", "Ali", "Reza", "Hamid", "Mahdi", "Javad", "Sayed", "Ghulam", "Abdul", "Naser",
             "Mustafa", "Hussain", "Farid", "Wahid", "Qasim", "Jawid", "Sohrab", "Shafiq", "Zabihullah", "Rahmatullah",
             "Najib", "Khalid"],
            ["Fatima", "Zahra", "Maryam", "Masuma", "Sakina", "Roya", "Marzia", "Freshta", "Nargis", "Shabnam", "Parwana",
             "Zainab", "Tahmina", "Nilofar", "Laila", "Mursal", "Hadia", "Sahar"]),
    "IRQ": (0.09, ["Al-Jubouri", "Al-Dulaimi", "Al-Obaidi", "Al-Shammari", "Hassan", "Hussein", "Kadhim", "Jabbar",
                   "Abbas", "Al-Tamimi", "Mahmood", "Salih", "Khudhur", "Qadir", "Rashid", "Hamad", "Al-Zubaidi", "Aziz"],
            ["Ali", "Mohammed", "Hussein", "Ahmed", "Haider", "Mustafa", "Abbas", "Omar", "Karrar", "Zaid", "Saif",
             "Hassan", "Dilshad", "Rebwar", "Sherzad", "Karwan"],
            ["Zainab", "Fatima", "Noor", "Maryam", "Sara", "Shilan", "Jwan", "Rozhin", "Hawraa", "Ruqaya", "Ban"]),
    "IRN": (0.05, ["Mohammadi", "Hosseini", "Ahmadi", "Rezaei", "Moradi", "Karimi", "Jafari", "Rahimi", "Hashemi",
                   "Ghasemi", "Sadeghi", "Kazemi", "Mousavi", "Ebrahimi", "Salehi", "Najafi", "Tehrani"],
            ["Mohammad", "Ali", "Reza", "Hossein", "Mehdi", "Amir", "Hamid", "Saeed", "Majid", "Behzad", "Omid", "Arash"],
            ["Fatemeh", "Zahra", "Maryam", "Sara", "Narges", "Leila", "Mahsa", "Parisa", "Shirin", "Niloofar"]),
    "ERI": (0.07, ["Tesfamariam", "Ghebremichael", "Haile", "Tekle", "Berhane", "Kidane", "Woldemichael", "Mehari",
                   "Habte", "Yohannes", "Tesfay", "Gebrehiwet", "Asfaha", "Kahsay", "Negash", "Tewolde", "Mebrahtu"],
            ["Yonas", "Dawit", "Filmon", "Samuel", "Robel", "Merhawi", "Biniam", "Yemane", "Teklay", "Senait", "Aron"],
            ["Selam", "Helen", "Senait", "Luwam", "Rahel", "Saba", "Mebrat", "Tsega", "Freweyni", "Winta", "Hiwet"]),
    "SOM": (0.05, ["Mohamed", "Ahmed", "Ali", "Hassan", "Abdi", "Warsame", "Farah", "Jama", "Osman", "Omar", "Aden",
                   "Hussein", "Abdullahi", "Nur", "Ismail", "Yusuf"],
            ["Abdirahman", "Mohamed", "Ahmed", "Abdullahi", "Hassan", "Abdi", "Ali", "Omar", "Bashir", "Liban", "Mukhtar"],
            ["Hodan", "Faadumo", "Amina", "Sahra", "Hawa", "Ifrah", "Ayan", "Nimco", "Sagal", "Hibaq", "Ubah"]),
    "GMB": (0.04, ["Ceesay", "Jallow", "Bah", "Sowe", "Touray", "Jammeh", "Camara", "Darboe", "Drammeh", "Manneh",
                   "Sanneh", "Njie", "Jobe", "Barry", "Sillah", "Bojang", "Colley"],
            ["Lamin", "Ebrima", "Modou", "Ousman", "Sainey", "Alieu", "Bakary", "Musa", "Omar", "Momodou", "Abdoulie"],
            ["Fatou", "Isatou", "Mariama", "Awa", "Binta", "Haddy", "Kaddy", "Ndey", "Aminata", "Jainaba"]),
    "GIN": (0.03, ["Diallo", "Barry", "Bah", "Sow", "Camara", "Conde", "Keita", "Toure", "Sylla", "Balde", "Kaba"],
            ["Mamadou", "Alpha", "Ibrahima", "Ousmane", "Thierno", "Amadou", "Sekou", "Abdoulaye", "Boubacar"],
            ["Mariama", "Fatoumata", "Aissatou", "Kadiatou", "Hawa", "Oumou", "Fanta", "Djenabou"]),
    "NGA": (0.04, ["Okafor", "Okonkwo", "Adeyemi", "Ibrahim", "Musa", "Eze", "Nwosu", "Bello", "Okoro", "Adebayo",
                   "Ogunleye", "Obi", "Uche", "Chukwu", "Abubakar"],
            ["Chinedu", "Emeka", "Oluwaseun", "Ibrahim", "Samuel", "Daniel", "Blessing", "Godwin", "Tunde", "Musa"],
            ["Blessing", "Joy", "Mercy", "Chioma", "Ngozi", "Aisha", "Favour", "Precious", "Esther", "Funmilayo"]),
    "TUR": (0.06, ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
                   "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kurt", "Koç", "Özkan", "Polat", "Korkmaz"],
            ["Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "Murat", "Emre", "Yusuf", "Ömer"],
            ["Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Büşra", "Esra"]),
    "UKR": (0.07, ["Melnyk", "Shevchenko", "Boiko", "Kovalenko", "Bondarenko", "Tkachenko", "Kovalchuk", "Kravchenko",
                   "Oliinyk", "Shevchuk", "Koval", "Polishchuk", "Bondar", "Tkachuk", "Moroz", "Marchenko", "Lysenko",
                   "Rudenko", "Savchenko", "Petrenko", "Kravets", "Zhuk", "Hrytsenko", "Tsybulko"],
            ["Oleksandr", "Serhii", "Andrii", "Volodymyr", "Mykola", "Dmytro", "Yurii", "Vasyl", "Oleh", "Ihor",
             "Maksym", "Viktor", "Bohdan", "Taras", "Yevhen"],
            ["Olena", "Tetiana", "Nataliia", "Iryna", "Svitlana", "Oksana", "Yuliia", "Kateryna", "Halyna", "Liudmyla",
             "Anastasiia", "Viktoriia", "Mariia", "Daria", "Olha"]),
    "GEO": (0.02, ["Beridze", "Kapanadze", "Gelashvili", "Maisuradze", "Giorgadze", "Lomidze", "Tsiklauri", "Bolkvadze"],
            ["Giorgi", "Davit", "Irakli", "Levan", "Nikoloz", "Luka", "Zurab"],
            ["Nino", "Mariam", "Tamar", "Ana", "Salome", "Natia", "Ketevan"]),
    "ALB": (0.02, ["Hoxha", "Krasniqi", "Berisha", "Gashi", "Shala", "Morina", "Kelmendi", "Bytyqi", "Hasani"],
            ["Arben", "Besnik", "Driton", "Fatmir", "Valon", "Blerim", "Artan", "Endrit"],
            ["Arta", "Blerta", "Drita", "Elira", "Fjolla", "Vjosa", "Mimoza"]),
    "PAK": (0.02, ["Khan", "Ahmed", "Ali", "Hussain", "Shah", "Iqbal", "Malik", "Butt", "Qureshi", "Chaudhry", "Raza"],
            ["Muhammad", "Ali", "Usman", "Bilal", "Imran", "Asif", "Kamran", "Zeeshan", "Waqas", "Faisal"],
            ["Ayesha", "Fatima", "Sana", "Maryam", "Hina", "Rabia", "Saima", "Nadia"]),
}
NEIGHBOURS = {"SYR": ["IRQ", "LBN", "XXX"], "AFG": ["IRN", "PAK", "XXA"], "IRQ": ["SYR", "IRN"], "ERI": ["ETH", "SDN"],
              "SOM": ["ETH", "KEN"], "IRN": ["AFG", "IRQ"], "UKR": ["RUS", "MDA"], "TUR": ["SYR", "IRQ"]}
SYLLABLES = ["ba", "da", "fa", "ha", "ja", "ka", "la", "ma", "na", "ra", "sa", "ta", "wa", "ya", "za", "bi", "di",
             "hi", "ki", "li", "mi", "ni", "ri", "si", "ti", "bu", "du", "hu", "ku", "lu", "mu", "nu", "ru", "su",
             "tu", "bo", "do", "ko", "lo", "mo", "no", "ro", "so", "to", "be", "de", "ke", "le", "me", "ne", "re",
             "se", "te", "kha", "sha", "gha", "qa", "dha", "tha", "tsa", "zhe", "cha"]
ENDINGS = ["", "", "n", "r", "m", "l", "d", "s", "i", "y", "ov", "enko", "zai", "awi", "eh", "ou"]

# Spelling changes between offices, as pairs written either way.
TRANSLIT = [("q", "gh"), ("q", "k"), ("gh", "g"), ("th", "s"), ("th", "t"), ("dh", "z"), ("dh", "d"), ("ts", "z"),
            ("ts", "c"), ("x", "ks"), ("kh", "ch"), ("kh", "h"), ("kh", "x"), ("sh", "sch"), ("sh", "ş"), ("j", "dj"),
            ("j", "dsch"), ("zh", "sch"), ("zh", "j"), ("w", "v"), ("ou", "u"), ("oo", "u"), ("ou", "o"), ("ee", "i"),
            ("ie", "i"), ("ei", "ai"), ("ai", "ay"), ("ey", "ei"), ("y", "i"), ("e", "a"), ("o", "u"), ("ii", "ij"),
            ("ii", "i"), ("iy", "y"), ("ph", "f"), ("c", "k"), ("ck", "k"), ("ss", "s"), ("mm", "m"), ("dd", "d")]
PREFIXES = ["Al-", "El-", "Al ", "El ", "Abu ", "Haj "]


def zipf_pick(items, s=1.1):
    weights = [1.0 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


def syllable_name():
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3]))) + rng.choice(ENDINGS)
    return name[0].upper() + name[1:]


origins = list(ORIGINS)
origin_weights = [ORIGINS[o][0] for o in origins]


def invent(pid):
    nat = rng.choices(origins, origin_weights)[0]
    _, families, males, females = ORIGINS[nat]
    male = rng.random() < 0.56
    family = zipf_pick(families) if rng.random() < 0.67 else syllable_name()
    given = zipf_pick(males if male else females, 0.9) if rng.random() < 0.8 else syllable_name()
    if rng.random() < 0.35:
        given += " " + (zipf_pick(males if male else females) if rng.random() < 0.7 else syllable_name())
    one_name = nat in ("AFG", "ERI", "SOM") and rng.random() < 0.06
    year = rng.randint(1950, 2012)
    r = rng.random()
    if r < 0.15:
        date = (year, None, None)          # only the year is known
    elif r < 0.25:
        date = (year, 1, 1)                # the placeholder 01.01.
    else:
        date = (year, rng.randint(1, 12), rng.randint(1, 28))
    azr = "".join(str(rng.randint(0, 9)) for _ in range(12)) if rng.random() < 0.4 else ""
    return dict(id=pid, nat=nat, male=male, family="" if one_name else family, given=given.split(" ")[0] if one_name else given,
                one_name=one_name, date=date, azr=azr)


def strip_diacritics(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).replace("ı", "i")


def translit(word):
    options = []
    low = word.lower()
    for a, b in TRANSLIT:
        for x, y in ((a, b), (b, a)):
            i = low.find(x, 1 if rng.random() < 0.3 else 0)
            if i >= 0:
                options.append((i, x, y))
    if not options:
        return edit(word)
    i, x, y = rng.choice(options)
    new = word[:i] + y + word[i + len(x):]
    if i == 0:
        new = new[0].upper() + new[1:]
    return new


def edit(word):
    if len(word) < 3:
        return word
    letters = list(word)
    i = rng.randrange(len(letters))
    op = rng.random()
    alphabet = "abdefghiklmnorstuyz"
    if op < 0.3:
        letters[i] = rng.choice(alphabet)
    elif op < 0.5:
        del letters[i]
    elif op < 0.75:
        letters.insert(i, rng.choice(alphabet))
    elif i + 1 < len(letters):
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    new = "".join(letters)
    return new[0].upper() + new[1:] if new else word


def vary_name(name):
    """One office's spelling of a name (each word may change)."""
    words = name.split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < 0.22:
            w = translit(w)
        elif r < 0.28:
            w = edit(w)
        out.append(w)
    name = " ".join(out)
    if rng.random() < 0.1:
        name = strip_diacritics(name)
    for p in PREFIXES:
        if name.startswith(p) and rng.random() < 0.3:
            name = name[len(p):] if rng.random() < 0.5 else p.strip(" -") + name[len(p):].lower()
            break
    return name


def write_date(date, faithful):
    y, m, d = date
    if not faithful:
        r = rng.random()
        if r < 0.02:
            return ""
        if r < 0.025:
            y, m, d = rng.randint(1950, 2012), rng.randint(1, 12), rng.randint(1, 28)
        elif m is not None and m != 1 or d not in (None, 1):
            r = rng.random()
            if r < 0.04 and d is not None:   # one digit wrong
                s = list(f"{d:02d}{m:02d}{y % 100:02d}")
                k = rng.randrange(6)
                s[k] = str(rng.randint(0, 9))
                dd, mm, yy = int("".join(s[0:2])), int("".join(s[2:4])), int("".join(s[4:6]))
                if 1 <= dd <= 28 and 1 <= mm <= 12:
                    d, m, y = dd, mm, y // 100 * 100 + yy
            elif r < 0.06 and d is not None and d <= 12:
                d, m = m, d
            elif r < 0.08 and d is not None:
                d = d + 1 if d < 28 else d - 1
            elif r < 0.14:
                m, d = 1, 1                    # the office knew only the year
    if m is None:
        return rng.choice([f"{y}", f"00.00.{y}", f"01.01.{y}"])
    return rng.choice([f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}"])


def record(p, rid, town, first):
    family, given = p["family"], p["given"]
    if not first:
        family, given = vary_name(family) if family else family, vary_name(given)
        words = given.split(" ")
        if len(words) > 1 and rng.random() < 0.25:
            given = words[0] if rng.random() < 0.7 else words[-1]
        if " " in family and rng.random() < 0.2:
            family = family.split(" ")[-1]
        if rng.random() < 0.07 and family:
            family, given = given, family
    if p["one_name"]:
        r = rng.random()
        if r < 0.35:
            family = given
        elif r < 0.6:
            family = rng.choice(["-", "", "NN", "unbekannt", "--"])
        elif r < 0.85:
            family, given = given, ""
        else:
            family, given = given, "-"
    if rng.random() < 0.15:
        family = family.upper()
    if rng.random() < 0.05:
        given = given.upper()
    sex = ("M" if p["male"] else "F")
    r = rng.random()
    if r < 0.03:
        sex = ""
    elif r < 0.035:
        sex = "F" if sex == "M" else "M"
    nat = p["nat"]
    r = rng.random()
    if r < 0.05:
        nat = ""
    elif r < 0.08:
        nat = rng.choice(NEIGHBOURS.get(nat, ["XXX"]))
    azr = p["azr"]
    if azr:
        r = rng.random()
        if r < 0.35:
            azr = ""
        elif r < 0.37:
            k = rng.randrange(12)
            azr = azr[:k] + str((int(azr[k]) + rng.randint(1, 9)) % 10) + azr[k + 1:]
        elif r < 0.373:
            azr = "".join(str(rng.randint(0, 9)) for _ in range(12))
    return [rid, family, given, write_date(p["date"], first), sex, nat, azr, "", f"municipality {town}"]


os.makedirs(out, exist_ok=True)
rows, groups = [], {}
counter = {}
for pid in range(persons_n):
    p = invent(pid)
    r = rng.random()
    n = 1 if r < 0.58 else 2 if r < 0.85 else 3 if r < 0.95 else rng.randint(4, 6)
    home = rng.randint(1, 34)
    for k in range(n):
        town = home if k == 0 or rng.random() < 0.3 else rng.randint(1, 34)
        counter[town] = counter.get(town, 0) + 1
        rid = f"T{town}-{counter[town]}"
        rows.append(record(p, rid, town, k == 0))
        groups.setdefault(pid, []).append(rid)
rng.shuffle(rows)
with open(os.path.join(out, "persons.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["record_id", "family_name", "given_name", "birth_date", "sex", "nationality", "azr_number",
                "bamf_number", "municipality"])
    w.writerows(rows)
pairs = 0
with open(os.path.join(out, "truth-pairs.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["a", "b"])
    for ids in groups.values():
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                w.writerow([ids[i], ids[j]])
                pairs += 1
print(f"{len(rows)} records of {persons_n} persons, {pairs} true pairs → {out}")
