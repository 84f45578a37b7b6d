"""CareBot: a Telegram after-sales assistant for a car dealership."""
