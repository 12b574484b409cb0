# SPDX-License-Identifier: MIT
# bash completion for winvm(1): subcommands, their options, PIDs and files.
_winvm()
{
    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "demo map share inspect run cache help --help --version" -- "$cur"))
        return
    fi
    case $cmd in
    map) COMPREPLY=($(compgen -W "--json --csv --svg --help self $(ls /proc | grep -E '^[0-9]+$')" -- "$cur")) ;;
    share) COMPREPLY=($(compgen -W "--all --help $(ls /proc | grep -E '^[0-9]+$')" -- "$cur")) ;;
    inspect) COMPREPLY=($(compgen -f -X '!*.@(dll|exe|DLL|EXE|sys|ocx)' -- "$cur") $(compgen -d -- "$cur")) ;;
    run) [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "--reserve --help" -- "$cur"))
         COMPREPLY+=($(compgen -f -X '!*.@(exe|EXE)' -- "$cur") $(compgen -d -- "$cur")) ;;
    cache) COMPREPLY=($(compgen -W "ls clear --help" -- "$cur")) ;;
    demo) COMPREPLY=($(compgen -W "sharing --help" -- "$cur")) ;;
    help) COMPREPLY=($(compgen -W "demo map share inspect run cache" -- "$cur")) ;;
    esac
}
complete -F _winvm winvm
