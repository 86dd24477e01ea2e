from bureau.admin import register_with_history

register_with_history("benefits")
