using Scout.Bench;

// One benchmark per mode; each prints markdown table rows (| area | measure | value | goal |) on stdout
// and progress on stderr. bench/run.sh runs them all and prints one table.
return args.FirstOrDefault() switch
{
    "seed-snapshot" => await SnapshotSeed.RunAsync(int.Parse(args[1])),
    "redis-cost" => await RedisCost.PerRequestAsync(int.Parse(args[1]), new Uri(args[2]), args[3], int.Parse(args[4])),
    "coldstart" => await ColdStartBench.RunAsync(args[1], args[2], int.Parse(args[3]), int.Parse(args[4])),
    "incremental" => await IncrementalBench.RunAsync(args[1], args[2].Split(',').Select(int.Parse).ToArray(), int.Parse(args[3]), int.Parse(args[4])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Scout.Bench seed-snapshot REDIS_PORT | redis-cost REDIS_PORT URL TOKEN REQUESTS"
                            + " | coldstart LABEL DLL|APPHOST REDIS_PORT RUNS"
                            + " | incremental REDIS_STACK SIZES(200000,300000,1000000,3000000) MESSAGES_PER_SECOND CYCLES");
    return 2;
}
