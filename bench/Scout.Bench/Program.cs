using Scout.Bench;

// One benchmark per mode; each prints markdown table rows (| area | measure | value | goal |) on stdout
// and progress on stderr. bench/run.sh runs them all and prints one table.
return args.FirstOrDefault() switch
{
    "aggregate" => await AggregationBench.RunAsync(),
    "seed-snapshot" => await SnapshotSeed.RunAsync(int.Parse(args[1])),
    "redis-cost" => await RedisCost.PerRequestAsync(int.Parse(args[1]), new Uri(args[2]), args[3], int.Parse(args[4])),
    "coldstart" => await ColdStartBench.RunAsync(args[1], args[2], int.Parse(args[3]), int.Parse(args[4])),
    "e2e" => await EndToEndBench.RunAsync(args[1], int.Parse(args[2]), int.Parse(args[3]), hash: args.ElementAtOrDefault(4) == "hash", topology: args.ElementAtOrDefault(5) ?? ""),
    "incremental" => await IncrementalBench.RunAsync(args[1], args[2].Split(',').Select(int.Parse).ToArray(), int.Parse(args[3]), int.Parse(args[4])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Scout.Bench aggregate | seed-snapshot REDIS_PORT | redis-cost REDIS_PORT URL TOKEN REQUESTS"
                            + " | coldstart LABEL DLL|APPHOST REDIS_PORT RUNS | e2e REDIS_STACK DOCUMENTS RUNS [json|hash] [TOPOLOGY]"
                            + " | incremental REDIS_STACK SIZES(300000,3000000) NEW_PER_INTERVAL INTERVALS");
    return 2;
}
