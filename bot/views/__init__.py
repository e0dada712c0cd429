"""What the bot says: every text longer than a one-line `_()`, and the keyboards under it.

Handlers call views; views never call handlers, and never import the Application or the
database: they take plain data (a Dispute, a Translator, a zone, `now`, counts) and return
text (HTML) and keyboards. So "what does the bot say here?" has one answer, and a view can be
read, and tested, without a bot.

- `labels`: the names of things (reasons, refund options, stages, moves, deadlines)
- `general`: /start, /help, /privacy, the command menu, the main menu, unknown input
- `settings`: /language, /timezone, /deletedata
- `wizard`: the wizard's prompts, the summary, AliExpress's form step by step
- `evidence`: what to photograph per reason, and warnings about files the form would refuse
- `cards`: the case card, the /status list, deadlines, the history
- `reminders`: reminder messages and their buttons
- `warnings`, `errors`: eligibility and move warnings; why an answer could not be read
- `keyboards`: building inline keyboards from typed callback data
"""
