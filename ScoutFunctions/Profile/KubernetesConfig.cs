using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Scout.Profile;

/// <summary>
/// Where the Kubernetes API is and how to authenticate, from KubernetesClient's own loader: every file in KUBECONFIG
/// merged as kubectl merges them (the first file that sets a value wins), else the pod's service account, else
/// ~/.kube/config; the current context or SCOUT_KUBE_CONTEXT. Tokens, token files, client certificates, exec
/// credential plugins (EKS, GKE, AKS) and their expiry are the library's. Never a default address: localhost:8080 may
/// be Scout itself.
/// </summary>
public static class KubernetesConfig
{
    /// <param name="kubeconfig">KUBECONFIG: one path or several separated by ':'.</param>
    /// <param name="context">SCOUT_KUBE_CONTEXT, or null for the current context.</param>
    /// <exception cref="InvalidOperationException">What is wrong, naming the file or the context and what to fix.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfig, string? context)
    {
        if (string.IsNullOrWhiteSpace(kubeconfig) && KubernetesClientConfiguration.IsInCluster())
            return KubernetesClientConfiguration.InClusterConfig();
        var files = Files(kubeconfig);
        var named = string.Join(", ", files);
        var merged = Merge(files.Select(Read).ToList());
        var wanted = string.IsNullOrWhiteSpace(context) ? merged.CurrentContext : context.Trim();
        if (string.IsNullOrEmpty(wanted))
            throw new InvalidOperationException($"kubeconfig {named} names no current-context: set one (kubectl config use-context) or SCOUT_KUBE_CONTEXT");
        if (merged.Contexts?.Any(c => c.Name == wanted) != true)
            throw new InvalidOperationException($"kubeconfig {named} has no context '{wanted}' (it has: {string.Join(", ", merged.Contexts?.Select(c => c.Name) ?? [])}); " +
                "set current-context or SCOUT_KUBE_CONTEXT to one of them");
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, wanted);
        }
        catch (KubeConfigException error)
        {
            throw new InvalidOperationException($"kubeconfig {named}, context '{wanted}': {error.Message}", error);
        }
    }

    /// <summary>One file as the library reads it (paths in it relative to the file).</summary>
    private static K8SConfiguration Read(string file)
    {
        try
        {
            return KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file), useRelativePaths: true);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"kubeconfig {file} does not parse: {Messages(error)}", error);
        }
    }

    /// <summary>
    /// kubectl's merge of KUBECONFIG's files (the library's own merge is internal): clusters, users and contexts by name,
    /// and the current context, each from the first file that has it.
    /// </summary>
    private static K8SConfiguration Merge(List<K8SConfiguration> files)
    {
        var merged = files[0];
        foreach (var next in files.Skip(1))
        {
            merged.CurrentContext = string.IsNullOrEmpty(merged.CurrentContext) ? next.CurrentContext : merged.CurrentContext;
            merged.Clusters = Union(merged.Clusters, next.Clusters, c => c.Name);
            merged.Users = Union(merged.Users, next.Users, u => u.Name);
            merged.Contexts = Union(merged.Contexts, next.Contexts, c => c.Name);
        }
        return merged;
    }

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? second, Func<T, string> name) =>
        (first ?? []).Concat(second ?? []).DistinctBy(name).ToList();

    /// <summary>The kubeconfig files to merge: KUBECONFIG's that exist, else ~/.kube/config.</summary>
    private static List<string> Files(string? kubeconfig)
    {
        if (!string.IsNullOrWhiteSpace(kubeconfig))
        {
            var listed = kubeconfig.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var present = listed.Where(File.Exists).ToList();
            return present.Count > 0 ? present
                : throw new InvalidOperationException($"KUBECONFIG={kubeconfig}: no such file");
        }
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home) ? [home]
            : throw new InvalidOperationException("not running in a pod (no service account), and neither KUBECONFIG nor ~/.kube/config is there");
    }

    /// <summary>An exception and its inner ones as one line ("outer: inner"), each message once.</summary>
    internal static string Messages(Exception error)
    {
        var messages = new List<string>();
        for (var e = error; e is not null; e = e.InnerException) messages.Add(e.Message);
        return string.Join(": ", messages.Distinct());
    }
}
