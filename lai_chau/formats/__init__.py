"""Django's formats for the site's language (FORMAT_MODULE_PATH): dates read and print as dd/mm/yyyy."""
