using System.Text;
using Google.Protobuf.Reflection;

namespace Scout.Tests.FunctionsHost;

/// <summary>
/// Writes a compiled protobuf file descriptor back as .proto text: messages, nested types, enums, oneofs, maps
/// and services, with their exact field numbers. Used to recover the Functions host protocol from the descriptor
/// Microsoft.Azure.Functions.Worker.Grpc carries, and to check the copy in Protos/ still matches it.
/// </summary>
public static class ProtoText
{
    public static string Write(FileDescriptor file, string csharpNamespace)
    {
        var text = new StringBuilder();
        text.Append("// Generated from the FileDescriptor compiled into Microsoft.Azure.Functions.Worker.Grpc (the public\n");
        text.Append("// azure-functions-language-worker-protobuf definition) by ScoutFunctions.Tests/FunctionsHost/ProtoText.cs;\n");
        text.Append("// FunctionsProtocolDefinitionTests checks this copy against it. Do not edit.\n");
        text.Append("syntax = \"proto3\";\n\n");
        if (file.Package.Length > 0) text.Append($"package {file.Package};\n\n");
        text.Append($"option csharp_namespace = \"{csharpNamespace}\";\n\n");
        foreach (var dependency in file.Dependencies) text.Append($"import \"{dependency.Name}\";\n");
        if (file.Dependencies.Count > 0) text.Append('\n');
        foreach (var service in file.Services)
        {
            text.Append($"service {service.Name} {{\n");
            foreach (var method in service.Methods)
                text.Append($"  rpc {method.Name} ({(method.IsClientStreaming ? "stream " : "")}{Name(method.InputType, file.Package)}) returns ({(method.IsServerStreaming ? "stream " : "")}{Name(method.OutputType, file.Package)}) {{}}\n");
            text.Append("}\n\n");
        }
        foreach (var message in file.MessageTypes) WriteMessage(text, message, file.Package, "");
        foreach (var enumeration in file.EnumTypes) WriteEnum(text, enumeration, "");
        return text.ToString();
    }

    private static void WriteMessage(StringBuilder text, MessageDescriptor message, string package, string indent)
    {
        text.Append($"{indent}message {message.Name} {{\n");
        var inner = indent + "  ";
        foreach (var nested in message.NestedTypes)
            if (!nested.GetOptions()?.MapEntry ?? true) WriteMessage(text, nested, package, inner);
        foreach (var enumeration in message.EnumTypes) WriteEnum(text, enumeration, inner);
        var written = new HashSet<OneofDescriptor>();
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            if (field.RealContainingOneof is { } oneof)
            {
                if (!written.Add(oneof)) continue;
                text.Append($"{inner}oneof {oneof.Name} {{\n");
                foreach (var member in oneof.Fields) text.Append($"{inner}  {Field(member, package)}\n");
                text.Append($"{inner}}}\n");
                continue;
            }
            text.Append($"{inner}{Field(field, package)}\n");
        }
        text.Append($"{indent}}}\n\n");
    }

    private static void WriteEnum(StringBuilder text, EnumDescriptor enumeration, string indent)
    {
        text.Append($"{indent}enum {enumeration.Name} {{\n");
        if (enumeration.GetOptions()?.AllowAlias == true) text.Append($"{indent}  option allow_alias = true;\n");
        foreach (var value in enumeration.Values) text.Append($"{indent}  {value.Name} = {value.Number};\n");
        text.Append($"{indent}}}\n\n");
    }

    private static string Field(FieldDescriptor field, string package)
    {
        string type;
        if (field.IsMap)
        {
            var entry = field.MessageType;
            type = $"map<{TypeName(entry.FindFieldByNumber(1), package)}, {TypeName(entry.FindFieldByNumber(2), package)}>";
        }
        else
        {
            type = TypeName(field, package);
            if (field.IsRepeated) type = "repeated " + type;
            else if (field.HasPresence && field.ContainingOneof is not null && field.RealContainingOneof is null) type = "optional " + type;
        }
        return $"{type} {field.Name} = {field.FieldNumber};";
    }

    private static string TypeName(FieldDescriptor field, string package) => field.FieldType switch
    {
        FieldType.Message or FieldType.Group => Name(field.MessageType, package),
        FieldType.Enum => Name(field.EnumType, package),
        FieldType.SFixed32 => "sfixed32",
        FieldType.SFixed64 => "sfixed64",
        FieldType.SInt32 => "sint32",
        FieldType.SInt64 => "sint64",
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };

    private static string Name(IDescriptor type, string package) =>
        type.FullName.StartsWith(package + ".", StringComparison.Ordinal) ? type.FullName[(package.Length + 1)..] : "." + type.FullName;
}
