// Rewards Ops behaviour
