"""Who a task belongs to before speaker labels become names: roles the rules resolve per turn."""

SPEAKER = "<speaker>"  # "I'll send it"
ADDRESSEE = "<addressee>"  # "could you send it": the one named, else whoever accepts, else the one answered
ANYONE = "<whoever accepts>"  # "can somebody send it": whoever says yes, else nobody in particular
