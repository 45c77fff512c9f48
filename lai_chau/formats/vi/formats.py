"""Vietnamese formats for every form, page and the admin (settings.FORMAT_MODULE_PATH).

Django's own `vi` locale has no input formats, so forms fell back to the American "%m/%d/%Y" and read "01/03/2024"
as 3 January. Here every date is read day first; the first input format is also what date boxes show and what the
admin's calendar writes (it reads it through the JavaScript catalogue). ISO dates ("2024-03-01") are still accepted:
Django appends them to the input formats. Documents write dates in words (lai_chau.text.document_date).
"""

# Output (Django's date syntax): tables and the admin show dd/mm/yyyy.
DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
YEAR_MONTH_FORMAT = r"\t\há\n\g n/Y"  # tháng 3/2024
MONTH_DAY_FORMAT = "d/m"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# Input (Python's strptime syntax): the first of each list is the one widgets display.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 01/03/2024
    "%d-%m-%Y",  # 01-03-2024
    "%d.%m.%Y",  # 01.03.2024
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",  # 01/03/2024 14:30:59
    "%d/%m/%Y %H:%M:%S.%f",  # 01/03/2024 14:30:59.000200
    "%d/%m/%Y %H:%M",  # 01/03/2024 14:30
]  # then the date formats: a date alone is midnight
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:30:59
    "%H:%M:%S.%f",  # 14:30:59.000200
    "%H:%M",  # 14:30
]

# Numbers: a comma marks decimals, a dot groups thousands (as lai_chau.money writes amounts).
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
